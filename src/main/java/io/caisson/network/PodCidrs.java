package io.caisson.network;

import io.caisson.common.CaissonException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's pod CIDRs as kubelet sends them in UpdateRuntimeConfig: one or, on a dual-stack node,
 * two comma-separated prefixes ({@code 10.244.1.0/24,fd00:1::/64}).
 */
public final class PodCidrs {
  private PodCidrs() {}

  /**
   * The list in its canonical text, without spaces.
   *
   * @throws CaissonException INVALID_ARGUMENT naming the part that is not an IP prefix
   */
  public static String canonical(String text) {
    List<String> parts = new ArrayList<>();
    for (String raw : text.split(",", -1)) {
      String part = raw.strip();
      int slash = part.indexOf('/');
      if (slash < 0) {
        throw CaissonException.invalid("pod_cidr %s: '%s' has no /prefix length", text, part);
      }
      InetAddress address;
      try {
        address = InetAddress.ofLiteral(part.substring(0, slash));
      } catch (IllegalArgumentException e) {
        throw CaissonException.invalid("pod_cidr %s: '%s' is not an IP address", text, part);
      }
      int max = address instanceof Inet4Address ? 32 : 128;
      String length = part.substring(slash + 1);
      if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > max) {
        throw CaissonException.invalid(
            "pod_cidr %s: the prefix length of '%s' is not 0 to %d", text, part, max);
      }
      parts.add(part);
    }
    return String.join(",", parts);
  }
}
