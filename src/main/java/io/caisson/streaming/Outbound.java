package io.caisson.streaming;

import java.io.IOException;

/**
 * One logical stream from the server to the client (stdout, stderr, error, port-forward data).
 * Writes block while the client cannot take more, so a slow client slows its process down instead
 * of filling the daemon's memory; they fail once the client is gone.
 */
interface Outbound {

  void write(byte[] b, int off, int len) throws IOException;

  default void write(byte[] b) throws IOException {
    write(b, 0, b.length);
  }

  /** Half-closes the stream where the protocol can say so (SPDY FIN); never throws. */
  void close();
}
