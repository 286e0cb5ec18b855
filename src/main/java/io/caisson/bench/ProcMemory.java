package io.caisson.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Process memory and process discovery from /proc. */
public final class ProcMemory {
  private ProcMemory() {}

  /** Resident and proportional set size in MiB. */
  public record Usage(double rssMb, double pssMb) {
    public Usage plus(Usage other) {
      return new Usage(rssMb + other.rssMb, pssMb + other.pssMb);
    }
  }

  /** One process: its parent, short name and command line (NULs as spaces). */
  public record Proc(long pid, long ppid, String comm, String cmdline) {}

  /** The per-container (or per-pod) monitor processes of a runtime and the pause processes. */
  public record Monitors(List<Proc> monitors, List<Proc> infra) {}

  /** From /proc/PID/smaps_rollup (one kernel walk, cheaper than smaps). */
  public static Usage of(long pid) throws IOException {
    double rss = 0;
    double pss = 0;
    for (String line : read(Path.of("/proc", Long.toString(pid), "smaps_rollup")).split("\n")) {
      if (line.startsWith("Rss:")) {
        rss = kilobytes(line) / 1024.0;
      } else if (line.startsWith("Pss:")) {
        pss = kilobytes(line) / 1024.0;
      }
    }
    return new Usage(rss, pss);
  }

  static long kilobytes(String line) {
    String[] parts = line.trim().split("\\s+");
    return Long.parseLong(parts[1]);
  }

  /**
   * The process holding the listening unix socket at {@code socket}: its inode from /proc/net/unix,
   * then the process with an fd on {@code socket:[inode]}. -1 when none is found.
   */
  public static long socketOwner(Path socket) throws IOException {
    Set<String> inodes = listeningInodes(read(Path.of("/proc/net/unix")), socket.toString());
    if (inodes.isEmpty()) {
      return -1;
    }
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
          for (Path fd : fds) {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")
                && inodes.contains(target.substring(8, target.length() - 1))) {
              return Long.parseLong(proc.getFileName().toString());
            }
          }
        } catch (IOException e) {
          // The process exited or its fds are not readable: not the one.
        }
      }
    }
    return -1;
  }

  /** Inodes of /proc/net/unix entries bound to {@code path}. */
  static Set<String> listeningInodes(String procNetUnix, String path) {
    Set<String> inodes = new HashSet<>();
    for (String line : procNetUnix.split("\n")) {
      String[] f = line.trim().split("\\s+");
      // Num RefCount Protocol Flags Type St Inode Path
      if (f.length >= 8 && f[7].equals(path)) {
        inodes.add(f[6]);
      }
    }
    return inodes;
  }

  public static List<Proc> processes() throws IOException {
    List<Proc> all = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        try {
          String stat = read(proc.resolve("stat"));
          // comm is in parentheses and may contain spaces; the fields after it are fixed.
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String[] rest = stat.substring(close + 2).split(" ");
          String cmdline = read(proc.resolve("cmdline")).replace('\0', ' ').trim();
          all.add(
              new Proc(
                  Long.parseLong(proc.getFileName().toString()),
                  Long.parseLong(rest[1]),
                  stat.substring(open + 1, close),
                  cmdline));
        } catch (IOException | RuntimeException e) {
          // Exited while we looked.
        }
      }
    }
    return all;
  }

  /**
   * Monitors are processes other than the daemon whose command line names one of {@code ids}
   * (conmon is given the container id, containerd's shim the pod id); infra processes are their
   * descendants called {@code pause}.
   */
  public static Monitors monitors(List<Proc> all, Collection<String> ids, long daemonPid) {
    long self = ProcessHandle.current().pid();
    List<Proc> monitors = new ArrayList<>();
    for (Proc p : all) {
      if (p.pid() == daemonPid || p.pid() == self || p.comm().equals("runc")) {
        continue;
      }
      for (String id : ids) {
        if (!id.isEmpty() && p.cmdline().contains(id)) {
          monitors.add(p);
          break;
        }
      }
    }
    Set<Long> tree = new HashSet<>();
    monitors.forEach(m -> tree.add(m.pid()));
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Proc p : all) {
        if (!tree.contains(p.pid()) && tree.contains(p.ppid())) {
          tree.add(p.pid());
          grew = true;
        }
      }
    }
    List<Proc> infra =
        all.stream()
            .filter(p -> tree.contains(p.pid()) && p.comm().equals("pause"))
            .filter(p -> !monitors.contains(p))
            .toList();
    return new Monitors(monitors, infra);
  }

  /** Sum over processes that still exist. */
  public static Usage sum(List<Proc> procs) {
    Usage total = new Usage(0, 0);
    for (Proc p : procs) {
      try {
        total = total.plus(of(p.pid()));
      } catch (IOException e) {
        // Gone.
      }
    }
    return total;
  }

  /** /proc files report size 0, so read them as streams. */
  static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
