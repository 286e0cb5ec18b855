package io.caisson.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies the configured log level to Caisson's loggers at start-up. */
public final class Logging {
  private Logging() {}

  public static void setLevel(String level) {
    Logger caisson = (Logger) LoggerFactory.getLogger("io.caisson");
    caisson.setLevel(Level.toLevel(level, Level.INFO));
  }
}
