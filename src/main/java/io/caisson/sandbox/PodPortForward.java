package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.linux.Namespaces;
import io.caisson.streaming.PortForwardBackend;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * Port-forward connections into a pod: the socket is opened by a thread that joined the pod's
 * network namespace, and stays usable from any thread afterwards.
 */
public final class PodPortForward implements PortForwardBackend {
  private final SandboxManager sandboxes;

  public PodPortForward(SandboxManager sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public SocketChannel connect(String podSandboxId, int port) throws IOException {
    Sandbox sandbox = sandboxes.find(podSandboxId);
    if (!sandbox.isReady()) {
      throw CaissonException.precondition("pod sandbox %s is not ready", sandbox.id());
    }
    String netns = sandbox.record().netns();
    if (netns == null) {
      return open(port);
    }
    try {
      return Namespaces.runIn(Map.of(Namespaces.Kind.NET, Path.of(netns)), () -> open(port));
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("connecting to port " + port + " in pod " + podSandboxId, e);
    }
  }

  /**
   * localhost's IPv4 address, then its IPv6 one, as containerd dials: an application may listen on
   * ::1 alone (or on an IPv6-only socket).
   */
  private static SocketChannel open(int port) throws IOException {
    try {
      return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    } catch (ConnectException refused) {
      try {
        return SocketChannel.open(new InetSocketAddress("::1", port));
      } catch (IOException alsoRefused) {
        refused.addSuppressed(alsoRefused);
        throw refused;
      }
    }
  }
}
