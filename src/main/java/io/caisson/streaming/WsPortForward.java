package io.caisson.streaming;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port-forward over a channel-protocol WebSocket, the way kubelet does it: one TCP connection per
 * requested port, on channels 2i (data) and 2i+1 (error); the first message on each carries the
 * port as two bytes little endian. The WebSocket closes once every pod connection has ended.
 */
final class WsPortForward implements WsConnection.Service {

  private final WsConnection conn;
  private final List<Integer> ports;
  private final List<InboundPipe> fromClient = new ArrayList<>();
  private final List<PortForwardTunnel> tunnels = new ArrayList<>();
  private final AtomicInteger running;

  WsPortForward(
      WsConnection conn,
      StreamRequest.PortForward request,
      List<Integer> ports,
      Backends backends) {
    this.conn = conn;
    this.ports = List.copyOf(ports);
    this.running = new AtomicInteger(ports.size());
    ReadPauser pauser = conn.readPauser();
    InboundPipe.Listener listener =
        new InboundPipe.Listener() {
          @Override
          public void consumed(InboundPipe pipe, int n) {}

          @Override
          public void backlogChanged(InboundPipe pipe) {
            pauser.update(pipe);
          }
        };
    for (int i = 0; i < ports.size(); i++) {
      InboundPipe pipe = new InboundPipe(listener);
      fromClient.add(pipe);
      tunnels.add(
          new PortForwardTunnel(
              backends.portForward(),
              request.podSandboxId(),
              ports.get(i),
              pipe,
              conn.outbound(2 * i),
              conn.outbound(2 * i + 1)));
    }
  }

  /** Runs on a virtual thread once the handshake is done. */
  void start() {
    try {
      for (int i = 0; i < ports.size(); i++) {
        int port = ports.get(i);
        byte[] le = {(byte) port, (byte) (port >>> 8)};
        conn.send(2 * i, le, 0, 2);
        conn.send(2 * i + 1, le, 0, 2);
      }
    } catch (IOException e) {
      return; // gone already; closed() cleans up
    }
    for (int i = 0; i < tunnels.size(); i++) {
      PortForwardTunnel tunnel = tunnels.get(i);
      Thread.ofVirtual()
          .name("portforward-ws-" + ports.get(i))
          .start(() -> tunnel.run(this::podClosed));
    }
  }

  private void podClosed() {
    if (running.decrementAndGet() == 0) {
      conn.closeGracefully();
    }
  }

  @Override
  public void message(int channel, ByteBuf payload) {
    if (channel % 2 == 0 && channel / 2 < fromClient.size()) {
      fromClient.get(channel / 2).offer(payload);
    }
  }

  @Override
  public void closed() {
    for (PortForwardTunnel t : tunnels) {
      t.abort();
    }
  }
}
