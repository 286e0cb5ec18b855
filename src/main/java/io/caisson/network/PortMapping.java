package io.caisson.network;

import io.caisson.common.CaissonException;
import java.net.InetAddress;
import java.util.regex.Pattern;

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
    if (!hostIp.isEmpty() && !isPluginReadable(hostIp)) {
      throw CaissonException.invalid(
          "host IP \"%s\" of a port mapping is not an IP address (dotted-quad IPv4 without"
              + " leading zeros, or IPv6 without a zone)",
          hostIp);
    }
  }

  // Java also reads "1.2.3", "16909060" and "010.0.0.1" as IPv4 and "fe80::1%1" as IPv6; the
  // portmap plugin (Go's parser) reads none of them and then skips the mapping without a word, so
  // the pod would run with its host port unpublished.
  private static final Pattern DOTTED_QUAD =
      Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

  /** Whether {@code ip} is an address both Java and the Go-written CNI plugins read the same. */
  static boolean isPluginReadable(String ip) {
    if (ip.contains("%") || (!ip.contains(":") && !DOTTED_QUAD.matcher(ip).matches())) {
      return false;
    }
    try {
      InetAddress.ofLiteral(ip);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public boolean published() {
    return hostPort > 0;
  }
}
