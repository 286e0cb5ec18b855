package io.caisson.common.log;

import java.util.Locale;
import org.slf4j.event.Level;

/**
 * Thresholds by logger name: Caisson's own loggers follow the configured level (which may change
 * after they were created), gRPC's warnings and Netty's errors are kept, everything else logs from
 * INFO.
 */
public final class LogLevels {
  private static volatile Level caisson = Level.INFO;

  private LogLevels() {}

  /**
   * Sets the threshold of {@code io.caisson} loggers.
   *
   * @throws IllegalArgumentException for a name that is not an SLF4J level
   */
  public static void setCaissonLevel(String name) {
    caisson = Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  static boolean enabled(String logger, Level level) {
    return level.toInt() >= threshold(logger).toInt();
  }

  private static Level threshold(String logger) {
    if (logger.startsWith("io.caisson")) {
      return caisson;
    }
    if (logger.startsWith("io.netty")) {
      return Level.ERROR;
    }
    if (logger.startsWith("io.grpc")) {
      return Level.WARN;
    }
    return Level.INFO;
  }
}
