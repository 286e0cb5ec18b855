package io.caisson.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** The node's processes as /proc shows them, for tests that look at what an exec left where. */
public final class NodeProcesses {
  private NodeProcesses() {}

  /** A process whose command line is exactly {@code argv}. */
  public static Optional<Long> withCommandLine(String... argv) throws IOException {
    String wanted = String.join("\u0000", argv) + "\u0000";
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> commandLine(p).equals(wanted))
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .findFirst();
    }
  }

  /** The name ({@code comm}) of the parent of process {@code pid}. */
  public static String parentName(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
    return Files.readString(Path.of("/proc", ppid, "comm")).strip();
  }

  private static String commandLine(Path proc) {
    try {
      return Files.readString(proc.resolve("cmdline"));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
