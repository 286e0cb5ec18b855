package io.caisson.common;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps to take back if a multi-step operation fails part-way: each completed step pushes its
 * inverse; on failure they run newest first, and a failing inverse does not stop the others.
 */
public final class Undo implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Undo.class);

  /** One inverse step. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean committed;

  public void push(Step step) {
    steps.push(step);
  }

  /** The operation succeeded: keep everything it did. */
  public void commit() {
    committed = true;
  }

  @Override
  public void close() {
    if (committed) {
      return;
    }
    while (!steps.isEmpty()) {
      try {
        steps.pop().run();
      } catch (Exception e) {
        LOG.warn("undoing a partial operation: {}", e.toString());
      }
    }
  }
}
