package io.caisson.linux;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Which namespace a sysctl belongs to. Only these can differ between pods: net.* in the network
 * namespace, the System V IPC and POSIX message queue ones in the IPC namespace; any other would
 * change the whole node.
 */
public final class NamespacedSysctls {
  private static final Pattern NAME = Pattern.compile("[a-z0-9_]+([./][a-zA-Z0-9_-]+)+");

  /** What {@link #namespaceOf} accepts, for error messages. */
  public static final String NAMESPACED =
      "net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*";

  private NamespacedSysctls() {}

  /** Whether {@code name} is written as a sysctl name (dots or slashes between parts). */
  public static boolean wellFormed(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * The name with dots between its parts, as sysctl.d(5) reads either form: written with slashes
   * ({@code net/ipv4/conf/eno2.100/rp_filter}), its slashes and dots swap, so a dot inside a part
   * (a VLAN interface's name) becomes a slash ({@code net.ipv4.conf.eno2/100.rp_filter}, the form
   * kubelet sends).
   */
  public static String canonical(String name) {
    int slash = name.indexOf('/');
    int dot = name.indexOf('.');
    return slash >= 0 && (dot < 0 || slash < dot) ? swapDotsAndSlashes(name) : name;
  }

  /** The file under /proc/sys of a name in {@link #canonical} form. */
  public static Path procFile(String canonicalName) {
    return Path.of("/proc/sys", swapDotsAndSlashes(canonicalName));
  }

  private static String swapDotsAndSlashes(String name) {
    StringBuilder swapped = new StringBuilder(name.length());
    for (char c : name.toCharArray()) {
      swapped.append(c == '.' ? '/' : c == '/' ? '.' : c);
    }
    return swapped.toString();
  }

  /** The namespace that holds {@code name} (canonical), or null when it is not namespaced. */
  public static Namespaces.Kind namespaceOf(String name) {
    if (name.startsWith("net.")) {
      return Namespaces.Kind.NET;
    }
    if (name.startsWith("kernel.shm")
        || name.startsWith("kernel.msg")
        || name.equals("kernel.sem")
        || name.startsWith("fs.mqueue.")) {
      return Namespaces.Kind.IPC;
    }
    return null;
  }
}
