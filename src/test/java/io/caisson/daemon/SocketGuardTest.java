package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketGuardTest {
  @TempDir Path dir;

  /**
   * A daemon draining its calls has no socket file any more (its listener is closed); one started
   * meanwhile binds the path. The first one's shutdown must leave that socket alone.
   */
  @Test
  void aSocketIsRemovedOnlyByTheDaemonThatBoundIt() throws Exception {
    Path socket = dir.resolve("caisson.sock");
    try (ServerSocketChannel first = bind(socket)) {
      SocketGuard.Bound firstBound = SocketGuard.bound(socket);
      Files.delete(socket); // what closing its listener does
      try (ServerSocketChannel successor = bind(socket)) {
        SocketGuard.Bound successorBound = SocketGuard.bound(socket);
        assertThat(successorBound).isNotEqualTo(firstBound);

        SocketGuard.removeIfOurs(socket, firstBound);
        assertThat(socket).as("the successor's").exists();

        SocketGuard.removeIfOurs(socket, successorBound);
        assertThat(socket).doesNotExist();
      }
    }
    SocketGuard.removeIfOurs(socket, null);
  }

  private static ServerSocketChannel bind(Path socket) throws Exception {
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    channel.bind(UnixDomainSocketAddress.of(socket));
    return channel;
  }
}
