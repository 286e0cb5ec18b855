package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.linux.Namespaces;
import io.caisson.streaming.PortForwardBackend;
import java.io.IOException;
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
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
    String netns = sandbox.record().netns();
    if (netns == null) {
      return SocketChannel.open(target);
    }
    try {
      return Namespaces.runIn(
          Map.of(Namespaces.Kind.NET, Path.of(netns)), () -> SocketChannel.open(target));
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("connecting to port " + port + " in pod " + podSandboxId, e);
    }
  }
}
