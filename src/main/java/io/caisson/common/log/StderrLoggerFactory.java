package io.caisson.common.log;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** One logger per name, created on first use. */
final class StderrLoggerFactory implements ILoggerFactory {
  private final ConcurrentMap<String, StderrLogger> loggers = new ConcurrentHashMap<>();

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, StderrLogger::new);
  }
}
