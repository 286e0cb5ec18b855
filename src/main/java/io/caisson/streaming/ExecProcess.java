package io.caisson.streaming;

/** A process the server started for an exec session, which it owns and may end. */
public interface ExecProcess extends StreamProcess {

  /** Kills the process (and what it started); the client went away before it finished. */
  void kill();
}
