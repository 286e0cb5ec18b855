package io.caisson.common.log;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Writes {@code 2026-11-23T04:16:53.850Z INFO ImageService: message}, then for a throwable its own
 * line and cause chain with the frame that threw each (and, when that is not Caisson's, the first
 * frames of Caisson's code under it): enough to place a failure without flooding the log with stack
 * traces.
 */
final class StderrLogger extends LegacyAbstractLogger {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final int MAX_CAUSES = 8;
  private static final int MAX_FRAMES = 64;
  private static final int OWN_FRAMES = 2;
  private static final String OWN_PACKAGE = "io.caisson.";

  private final String shortName;

  StderrLogger(String name) {
    this.name = name;
    this.shortName = name.substring(name.lastIndexOf('.') + 1);
  }

  @Override
  public boolean isTraceEnabled() {
    return LogLevels.enabled(name, Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return LogLevels.enabled(name, Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return LogLevels.enabled(name, Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return LogLevels.enabled(name, Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return LogLevels.enabled(name, Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    StringBuilder line = new StringBuilder(128);
    line.append(TIME.format(Instant.now())).append(' ').append(level.name());
    line.repeat(' ', Math.max(1, 6 - level.name().length()));
    line.append(shortName).append(": ");
    line.append(
        arguments == null ? pattern : MessageFormatter.basicArrayFormat(pattern, arguments));
    line.append('\n');
    appendThrowable(line, throwable);
    PrintStream err = System.err;
    err.print(line);
    err.flush();
  }

  static void appendThrowable(StringBuilder line, Throwable throwable) {
    Throwable t = throwable;
    for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
      line.append(depth == 0 ? "" : "Caused by: ").append(t).append('\n');
      appendFrames(line, t.getStackTrace());
    }
  }

  /**
   * The frame that threw and, when that is in a library or the JDK, the frames down to Caisson's
   * own first two: the line of Caisson's code that made the failing call is what places a failure
   * (a bare {@code write0(Native Method)} says nothing).
   */
  static void appendFrames(StringBuilder line, StackTraceElement[] frames) {
    if (frames.length == 0) {
      return;
    }
    line.append("\tat ").append(frames[0]).append('\n');
    int last = 0;
    int shown = isOwn(frames[0]) ? OWN_FRAMES : 0;
    for (int i = 1; i < frames.length && i < MAX_FRAMES && shown < OWN_FRAMES; i++) {
      if (isOwn(frames[i])) {
        line.append(i > last + 1 ? "\t...\n" : "").append("\tat ").append(frames[i]).append('\n');
        last = i;
        shown++;
      }
    }
  }

  private static boolean isOwn(StackTraceElement frame) {
    return frame.getClassName().startsWith(OWN_PACKAGE);
  }
}
