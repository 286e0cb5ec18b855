package io.caisson.common;

/**
 * One line of {@code caisson --check}: what was looked at and what was found. {@code FAIL} is what
 * would keep pods from running or images from being pulled; {@code WARN} what works, but not as an
 * operator would want.
 */
public record PreflightFinding(Level level, String subject, String detail) {
  public enum Level {
    OK,
    WARN,
    FAIL
  }

  public static PreflightFinding ok(String subject, String detail) {
    return new PreflightFinding(Level.OK, subject, detail);
  }

  public static PreflightFinding warn(String subject, String detail) {
    return new PreflightFinding(Level.WARN, subject, detail);
  }

  public static PreflightFinding fail(String subject, String detail) {
    return new PreflightFinding(Level.FAIL, subject, detail);
  }
}
