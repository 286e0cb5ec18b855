package io.caisson.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The node's default resource limits for every container's processes ({@code default_ulimits}),
 * written as CRI-O and docker write them: {@code nofile=1024:4096} (soft:hard), {@code nproc=512}
 * (both), {@code unlimited} or {@code -1} for no limit. Without them a container inherits the
 * limits the daemon was started with, through conmon and runc.
 */
public final class Ulimits {
  /** RLIM_INFINITY, as runc writes it into the kernel. */
  private static final long UNLIMITED = -1L;

  private static final Map<String, String> NAMES =
      Map.ofEntries(
          Map.entry("as", "RLIMIT_AS"),
          Map.entry("core", "RLIMIT_CORE"),
          Map.entry("cpu", "RLIMIT_CPU"),
          Map.entry("data", "RLIMIT_DATA"),
          Map.entry("fsize", "RLIMIT_FSIZE"),
          Map.entry("locks", "RLIMIT_LOCKS"),
          Map.entry("memlock", "RLIMIT_MEMLOCK"),
          Map.entry("msgqueue", "RLIMIT_MSGQUEUE"),
          Map.entry("nice", "RLIMIT_NICE"),
          Map.entry("nofile", "RLIMIT_NOFILE"),
          Map.entry("nproc", "RLIMIT_NPROC"),
          Map.entry("rss", "RLIMIT_RSS"),
          Map.entry("rtprio", "RLIMIT_RTPRIO"),
          Map.entry("rttime", "RLIMIT_RTTIME"),
          Map.entry("sigpending", "RLIMIT_SIGPENDING"),
          Map.entry("stack", "RLIMIT_STACK"));

  private Ulimits() {}

  /** The limits; IllegalArgumentException names the entry that is not one. */
  public static List<OciSpec.Rlimit> parse(List<String> entries) {
    List<OciSpec.Rlimit> out = new ArrayList<>();
    for (String entry : entries) {
      OciSpec.Rlimit limit = parse(entry);
      if (out.stream().anyMatch(r -> r.type().equals(limit.type()))) {
        throw new IllegalArgumentException("'" + entry + "' sets a limit given before it");
      }
      out.add(limit);
    }
    return List.copyOf(out);
  }

  private static OciSpec.Rlimit parse(String entry) {
    int eq = entry.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("'" + entry + "' is not NAME=SOFT[:HARD]");
    }
    String name = entry.substring(0, eq).trim().toLowerCase(Locale.ROOT);
    String type = NAMES.get(name);
    if (type == null) {
      throw new IllegalArgumentException(
          "'"
              + entry
              + "' names no resource limit (one of "
              + String.join(", ", NAMES.keySet().stream().sorted().toList())
              + ")");
    }
    String[] values = entry.substring(eq + 1).split(":", -1);
    if (values.length > 2) {
      throw new IllegalArgumentException("'" + entry + "' is not NAME=SOFT[:HARD]");
    }
    long soft = value(entry, values[0]);
    long hard = values.length == 2 ? value(entry, values[1]) : soft;
    if (Long.compareUnsigned(soft, hard) > 0) {
      throw new IllegalArgumentException("'" + entry + "' has a soft limit above its hard one");
    }
    return new OciSpec.Rlimit(type, hard, soft);
  }

  private static long value(String entry, String text) {
    String v = text.trim();
    if (v.equals("unlimited") || v.equals("-1")) {
      return UNLIMITED;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below.
    }
    throw new IllegalArgumentException(
        "'" + entry + "': '" + text + "' is not a number, -1 or unlimited");
  }
}
