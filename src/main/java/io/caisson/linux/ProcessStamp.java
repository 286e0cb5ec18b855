package io.caisson.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as the kernel knows it: its pid and its start time (clock ticks after boot, field 22 of
 * /proc/PID/stat). The pair tells the same process from a later one that was given the same pid.
 */
public record ProcessStamp(long pid, long startTicks) {

  /** The running process {@code pid}; empty when there is none or only a zombie is left. */
  public static Optional<ProcessStamp> of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return parse(pid, stat);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<ProcessStamp> parse(long pid, String stat) {
    int close = stat.lastIndexOf(')'); // the command name may hold spaces and parentheses
    if (close < 0) {
      return Optional.empty();
    }
    String[] fields = stat.substring(close + 2).split(" ");
    if (fields.length < 20 || fields[0].equals("Z") || fields[0].equals("X")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ProcessStamp(pid, Long.parseLong(fields[19])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether this very process still runs (not a zombie, not a successor with its pid). */
  public boolean stillRunning() {
    return of(pid).map(now -> now.startTicks == startTicks).orElse(false);
  }
}
