package io.caisson.streaming;

import java.io.IOException;

/** Connects to the stdio of a running container (conmon's attach socket in the daemon). */
@FunctionalInterface
public interface AttachBackend {

  /**
   * Attaches to {@code req.containerId()}. Closing the returned process detaches and must leave the
   * container running.
   */
  StreamProcess attach(StreamRequest.Attach req) throws IOException;
}
