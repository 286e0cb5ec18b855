package io.caisson.stats;

import io.caisson.linux.Namespaces;
import io.caisson.linux.ProcFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Per-interface network counters of a network namespace, from its /proc/net/dev. */
public final class NetDev {
  private NetDev() {}

  /** One interface's counters since it was created. */
  public record Counters(
      String name,
      long rxBytes,
      long rxErrors,
      long txBytes,
      long txErrors,
      long rxPackets,
      long rxDropped,
      long txPackets,
      long txDropped) {}

  /**
   * The interfaces of the namespace pinned at {@code netns}, loopback left out (traffic that never
   * leaves the pod). /proc/thread-self/net shows the namespace of the reading thread, so the file
   * is read on a platform thread that joined it.
   */
  public static List<Counters> read(Path netns) throws Exception {
    String text =
        Namespaces.runIn(
            Map.of(Namespaces.Kind.NET, netns),
            () -> ProcFiles.read(Path.of("/proc/thread-self/net/dev")));
    return parse(text).stream().filter(c -> !c.name().equals("lo")).toList();
  }

  /**
   * Parses /proc/net/dev: two header lines, then "name: 8 receive counters, 8 transmit counters"
   * (bytes, packets, errs, drop, fifo, frame|colls, compressed, multicast|carrier).
   */
  static List<Counters> parse(String text) {
    List<Counters> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || line.contains("|")) {
        continue;
      }
      String[] f = line.substring(colon + 1).strip().split("\\s+");
      if (f.length < 16) {
        continue;
      }
      out.add(
          new Counters(
              line.substring(0, colon).strip(),
              Long.parseLong(f[0]),
              Long.parseLong(f[2]),
              Long.parseLong(f[8]),
              Long.parseLong(f[10]),
              Long.parseLong(f[1]),
              Long.parseLong(f[3]),
              Long.parseLong(f[9]),
              Long.parseLong(f[11])));
    }
    return out;
  }
}
