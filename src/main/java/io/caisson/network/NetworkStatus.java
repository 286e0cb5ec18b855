package io.caisson.network;

import java.util.List;

/**
 * A pod's network as PodSandboxStatus reports it.
 *
 * @param network the CNI network name
 * @param ips the pod's addresses, IPv4 first: the first is {@code ip}, the rest {@code
 *     additional_ips}
 * @param result the full CNI result (interfaces, routes, DNS) for verbose status
 */
public record NetworkStatus(String network, List<String> ips, CniResult result) {
  public NetworkStatus {
    ips = List.copyOf(ips);
  }

  /** The primary pod IP, or "" when the network gave none. */
  public String ip() {
    return ips.isEmpty() ? "" : ips.getFirst();
  }

  public List<String> additionalIps() {
    return ips.isEmpty() ? List.of() : ips.subList(1, ips.size());
  }
}
