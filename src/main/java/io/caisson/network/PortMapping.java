package io.caisson.network;

import io.caisson.common.CaissonException;
import java.net.InetAddress;

/**
 * A pod port published on the node, as CRI's PortMapping describes it. A host port of 0 means the
 * port is only declared, not published; such mappings are not handed to CNI.
 *
 * @param hostIp the node address to listen on; empty for all
 */
public record PortMapping(Protocol protocol, int containerPort, int hostPort, String hostIp) {

  public enum Protocol {
    TCP,
    UDP,
    SCTP;

    /** The spelling the portmap plugin expects. */
    public String cniName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public PortMapping {
    if (protocol == null) {
      throw CaissonException.invalid("port mapping without a protocol");
    }
    if (containerPort < 1 || containerPort > 65535) {
      throw CaissonException.invalid("container port %d is out of range 1-65535", containerPort);
    }
    if (hostPort < 0 || hostPort > 65535) {
      throw CaissonException.invalid("host port %d is out of range 0-65535", hostPort);
    }
    hostIp = hostIp == null ? "" : hostIp;
    if (!hostIp.isEmpty()) {
      try {
        InetAddress.ofLiteral(hostIp);
      } catch (IllegalArgumentException e) {
        throw CaissonException.invalid(
            "host IP \"%s\" of a port mapping is not an IP address", hostIp);
      }
    }
  }

  public boolean published() {
    return hostPort > 0;
  }
}
