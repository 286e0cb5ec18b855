package io.caisson.common.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Caisson's SLF4J backend: one line per event on stderr, where the node's supervisor collects it. A
 * full logging framework cost the daemon ~600 classes (and an XML parser to read its config) for
 * what is one format and three thresholds; every loaded class stays resident in a node agent.
 */
public final class StderrLoggerProvider implements SLF4JServiceProvider {
  private final StderrLoggerFactory loggers = new StderrLoggerFactory();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}
}
