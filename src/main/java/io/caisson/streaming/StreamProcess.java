package io.caisson.streaming;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The process end of an exec or attach session, as a backend hands it to the streaming server. The
 * server pumps each stream on its own virtual thread, so every method may block.
 */
public interface StreamProcess {

  /** Where the client's stdin goes; {@code null} when stdin was not requested. */
  OutputStream stdin();

  /** The process's stdout (the terminal when tty); {@code null} when not requested. */
  InputStream stdout();

  /** The process's stderr; {@code null} when not requested or when tty. */
  InputStream stderr();

  /** The client's terminal changed size; only called for tty sessions. */
  void resize(int width, int height);

  /**
   * Blocks until the session is over and returns the exit code. For attach this is when the
   * container's output ends; the code is not reported to the client (kubelet reports success).
   */
  int waitFor() throws InterruptedException;

  /**
   * Releases our ends of the streams. For attach this is a detach: the container keeps running.
   * Called once, after the session is over or the client went away.
   */
  void close();
}
