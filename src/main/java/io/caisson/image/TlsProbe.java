package io.caisson.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Whether a registry endpoint speaks TLS at all, asked on a plain socket: a TLS ClientHello goes
 * out, and a TLS server answers with a handshake or alert record, a plain HTTP server with text or
 * nothing. An insecure registry is tried over TLS first; asking this way first keeps a node whose
 * registry is a plain-http mirror from loading the JDK's whole TLS stack (800 classes, ~5 MiB) for
 * a handshake that could never succeed.
 */
final class TlsProbe {
  enum Answer {
    TLS,
    PLAIN,
    UNKNOWN
  }

  private static final int HANDSHAKE_RECORD = 0x16;
  private static final int ALERT_RECORD = 0x15;

  // A TLS 1.2 ClientHello: record header, handshake header, version, 32 bytes of random (zeros do,
  // nothing is negotiated), no session, two AES-GCM suites, no compression, no extensions.
  private static final byte[] CLIENT_HELLO = {
    0x16,
    0x03,
    0x01,
    0x00,
    0x31, // record: handshake, TLS 1.0 framing, 49 bytes
    0x01,
    0x00,
    0x00,
    0x2d, // ClientHello, 45 bytes
    0x03,
    0x03, // TLS 1.2
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x00, // session id length
    0x00,
    0x04,
    (byte) 0xc0,
    0x2f,
    0x00,
    (byte) 0x9c, // cipher suites
    0x01,
    0x00, // compression: null
    0x00,
    0x00, // extensions length
    // An empty line after the record: an HTTP server reads its request line up to one, and only
    // then answers; a TLS server has answered the hello before it reads on.
    '\r',
    '\n',
    '\r',
    '\n'
  };

  private TlsProbe() {}

  /** Asks {@code baseUri}'s host and port (443 by default); UNKNOWN when it cannot tell. */
  static Answer of(URI baseUri, Duration timeout) {
    int port = baseUri.getPort() == -1 ? 443 : baseUri.getPort();
    int millis = (int) timeout.toMillis();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(baseUri.getHost(), port), millis);
      socket.setSoTimeout(millis);
      socket.getOutputStream().write(CLIENT_HELLO);
      InputStream in = socket.getInputStream();
      int first = in.read();
      if (first == HANDSHAKE_RECORD || first == ALERT_RECORD) {
        return Answer.TLS;
      }
      // Closed without a word: some TLS servers drop a hello they dislike; let TLS be tried.
      return first == -1 ? Answer.UNKNOWN : Answer.PLAIN;
    } catch (IOException e) {
      return Answer.UNKNOWN; // refused, unreachable (a proxy's network) or slow: try as before
    }
  }
}
