package io.caisson.streaming;

import java.io.IOException;

/** Starts the command of an exec session inside its container. */
@FunctionalInterface
public interface ExecBackend {

  /**
   * Starts {@code req.cmd()} with the streams {@code req} asked for.
   *
   * @throws IOException or {@link io.caisson.common.CaissonException} when it cannot start; the
   *     client gets the message on the error stream
   */
  ExecProcess start(StreamRequest.Exec req) throws IOException;
}
