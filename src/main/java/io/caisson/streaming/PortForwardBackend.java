package io.caisson.streaming;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** Opens TCP connections to ports inside a pod's network namespace. */
@FunctionalInterface
public interface PortForwardBackend {

  /**
   * Returns a connected, blocking channel to {@code port} in the sandbox's network namespace. The
   * server owns it from then on and closes it.
   */
  SocketChannel connect(String podSandboxId, int port) throws IOException;
}
