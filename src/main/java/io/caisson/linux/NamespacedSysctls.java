package io.caisson.linux;

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

  /** The namespace that holds {@code name}, or null when it is not namespaced. */
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
