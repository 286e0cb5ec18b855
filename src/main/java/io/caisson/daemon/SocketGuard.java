package io.caisson.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether the socket path may be taken: a socket nobody answers on is left over from a
 * crashed run and is replaced; one that answers belongs to a live daemon and is never stolen.
 */
public final class SocketGuard {
  private static final Logger LOG = LoggerFactory.getLogger(SocketGuard.class);

  private SocketGuard() {}

  /** Thrown when another process is serving on the socket. */
  public static final class SocketInUseException extends IOException {
    SocketInUseException(Path socket) {
      super(
          "another process is serving on "
              + socket
              + " (is caisson already running?); stop it or choose --socket");
    }
  }

  public static void prepare(Path socket) throws IOException {
    Files.createDirectories(socket.getParent());
    if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket(socket)) {
      throw new IOException(socket + " exists and is not a socket; refusing to replace it");
    }
    if (answers(socket)) {
      throw new SocketInUseException(socket);
    }
    LOG.info("replacing stale socket {} left by an earlier run", socket);
    Files.delete(socket);
  }

  /** Which file a socket path is now (device and inode); null when there is none. */
  public record Bound(Object device, Object inode) {
    static Bound of(Path socket) throws IOException {
      if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      var attributes =
          Files.readAttributes(socket, "unix:dev,ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return new Bound(attributes.get("dev"), attributes.get("ino"));
    }
  }

  /** The socket file this daemon has just bound, to know it again at {@link #removeIfOurs}. */
  public static Bound bound(Path socket) throws IOException {
    return Bound.of(socket);
  }

  /**
   * Removes the socket at shutdown only if it is still the one this daemon bound: while it drains
   * its calls, its socket answers nobody, and a daemon started meanwhile takes the path over.
   */
  public static void removeIfOurs(Path socket, Bound ours) throws IOException {
    if (ours != null && ours.equals(Bound.of(socket))) {
      Files.delete(socket);
    } else if (ours != null) {
      LOG.info("socket {} is another daemon's now; leaving it", socket);
    }
  }

  /** Restricts the socket to root and its group, as kubelet expects. */
  public static void restrict(Path socket) throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
  }

  private static boolean isSocket(Path path) throws IOException {
    Object mode = Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return mode instanceof Integer bits && (bits & 0170000) == 0140000;
  }

  private static boolean answers(Path socket) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
