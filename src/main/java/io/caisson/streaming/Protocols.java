package io.caisson.streaming;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The stream protocol names of the kubelet streaming contract and how one is chosen. */
final class Protocols {

  static final String SPDY = "SPDY/3.1";
  static final String PORT_FORWARD = "portforward.k8s.io";
  static final String SPDY_TUNNEL_PORT_FORWARD = SPDY + "+" + PORT_FORWARD;
  static final String V5 = "v5.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";
  static final String V4_BASE64 = "v4.base64.channel.k8s.io";
  static final String V1 = "channel.k8s.io";
  static final String V1_BASE64 = "base64.channel.k8s.io";

  /** A remote command (exec / attach) protocol version and what it implies. */
  record RemoteCommand(String name, int version, boolean base64) {
    boolean v4Status() {
      return version >= 4;
    }

    boolean hasResize() {
      return version >= 3;
    }

    /** v5 lets the client close a channel (stdin) with a message on channel 255. */
    boolean canCloseChannels() {
      return version >= 5;
    }
  }

  /** SPDY exec / attach, newest first. kubelet offers no v5 over SPDY, neither do we. */
  static final List<RemoteCommand> SPDY_REMOTE_COMMAND =
      List.of(
          new RemoteCommand(V4, 4, false),
          new RemoteCommand("v3.channel.k8s.io", 3, false),
          new RemoteCommand("v2.channel.k8s.io", 2, false),
          new RemoteCommand(V1, 1, false));

  /** WebSocket exec / attach, newest first; "" is a client that names no subprotocol. */
  static final List<RemoteCommand> WS_REMOTE_COMMAND =
      List.of(
          new RemoteCommand(V5, 5, false),
          new RemoteCommand(V4, 4, false),
          new RemoteCommand(V4_BASE64, 4, true),
          new RemoteCommand(V1, 1, false),
          new RemoteCommand(V1_BASE64, 1, true));

  /** WebSocket port-forward subprotocols, preferred first. */
  static final List<String> WS_PORT_FORWARD = List.of(SPDY_TUNNEL_PORT_FORWARD, V4, V4_BASE64);

  private Protocols() {}

  /** Splits repeated and comma-separated header values into protocol names. */
  static List<String> offered(List<String> headerValues) {
    List<String> names = new ArrayList<>();
    for (String value : headerValues) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          names.add(part.strip());
        }
      }
    }
    return names;
  }

  /** The newest remote command protocol of {@code supported} that the client offered. */
  static Optional<RemoteCommand> pickRemoteCommand(
      List<String> offered, List<RemoteCommand> supported) {
    return supported.stream().filter(p -> offered.contains(p.name())).findFirst();
  }

  static List<String> names(List<RemoteCommand> protocols) {
    return protocols.stream().map(RemoteCommand::name).toList();
  }
}
