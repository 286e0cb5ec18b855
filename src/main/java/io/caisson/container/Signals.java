package io.caisson.container;

import io.caisson.common.CaissonException;
import java.util.Locale;
import java.util.Map;

/**
 * Signal names as images write them (StopSignal "SIGQUIT", "QUIT", "3", or "SIGRTMIN+3" as systemd
 * images do) to numbers.
 */
final class Signals {
  static final int SIGKILL = 9;
  static final int SIGTERM = 15;
  // glibc keeps the kernel's first two real-time signals for itself, so its SIGRTMIN (the one
  // systemd and docker count from) is 34; SIGRTMAX is the kernel's 64.
  private static final int SIGRTMIN = 34;
  private static final int SIGRTMAX = 64;

  private static final Map<String, Integer> NUMBERS =
      Map.ofEntries(
          Map.entry("HUP", 1),
          Map.entry("INT", 2),
          Map.entry("QUIT", 3),
          Map.entry("ILL", 4),
          Map.entry("TRAP", 5),
          Map.entry("ABRT", 6),
          Map.entry("IOT", 6),
          Map.entry("BUS", 7),
          Map.entry("FPE", 8),
          Map.entry("KILL", 9),
          Map.entry("USR1", 10),
          Map.entry("SEGV", 11),
          Map.entry("USR2", 12),
          Map.entry("PIPE", 13),
          Map.entry("ALRM", 14),
          Map.entry("TERM", 15),
          Map.entry("STKFLT", 16),
          Map.entry("CHLD", 17),
          Map.entry("CLD", 17),
          Map.entry("CONT", 18),
          Map.entry("STOP", 19),
          Map.entry("TSTP", 20),
          Map.entry("TTIN", 21),
          Map.entry("TTOU", 22),
          Map.entry("URG", 23),
          Map.entry("XCPU", 24),
          Map.entry("XFSZ", 25),
          Map.entry("VTALRM", 26),
          Map.entry("PROF", 27),
          Map.entry("WINCH", 28),
          Map.entry("IO", 29),
          Map.entry("POLL", 29),
          Map.entry("PWR", 30),
          Map.entry("SYS", 31));

  private Signals() {}

  static int parse(String signal) {
    if (signal == null || signal.isBlank()) {
      return SIGTERM;
    }
    String name = signal.strip().toUpperCase(Locale.ROOT);
    if (name.chars().allMatch(Character::isDigit)) {
      int number = Integer.parseInt(name);
      if (number >= 1 && number <= 64) {
        return number;
      }
    }
    String bare = name.startsWith("SIG") ? name.substring(3) : name;
    Integer number = NUMBERS.get(bare);
    if (number == null) {
      number = realTime(bare);
    }
    if (number == null) {
      throw CaissonException.invalid("unknown stop signal %s", signal);
    }
    return number;
  }

  /** RTMIN, RTMIN+N, RTMAX and RTMAX-N, within the real-time range; null for anything else. */
  private static Integer realTime(String bare) {
    int base;
    int sign;
    if (bare.startsWith("RTMIN")) {
      base = SIGRTMIN;
      sign = 1;
    } else if (bare.startsWith("RTMAX")) {
      base = SIGRTMAX;
      sign = -1;
    } else {
      return null;
    }
    String offset = bare.substring(5);
    if (offset.isEmpty()) {
      return base;
    }
    char op = offset.charAt(0);
    String digits = offset.substring(1);
    if (op != (sign > 0 ? '+' : '-')
        || digits.isEmpty()
        || digits.length() > 2
        || !digits.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int number = base + sign * Integer.parseInt(digits);
    return number >= SIGRTMIN && number <= SIGRTMAX ? number : null;
  }
}
