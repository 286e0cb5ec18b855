package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A CNI ADD result in the 0.3.0 – 1.0.0 format (they share "interfaces" and "ips"; 1.0.0 dropped
 * the per-IP "version", so the family is taken from the address itself).
 *
 * @param cniVersion the version the plugin answered in
 * @param interfaces the interfaces the chain created or touched
 * @param ips every address, each optionally pointing at an interface by index
 * @param json the result as the plugin printed it: cached, and given back to DEL and CHECK
 */
public record CniResult(
    String cniVersion, List<Interface> interfaces, List<IpConfig> ips, JsonObject json) {

  /** An interface; {@code sandbox} is the netns path for interfaces inside the pod. */
  public record Interface(String name, String mac, String sandbox) {
    public boolean inSandbox() {
      return sandbox != null && !sandbox.isEmpty();
    }
  }

  /**
   * One address. {@code address} is the textual IP as the plugin printed it, without the prefix
   * length, so kubelet sees the usual compressed IPv6 form.
   */
  public record IpConfig(
      String address, int prefixLength, boolean ipv4, String gateway, OptionalInt interfaceIndex) {}

  public CniResult {
    interfaces = List.copyOf(interfaces);
    ips = List.copyOf(ips);
  }

  public static CniResult parse(JsonValue node) {
    if (!(node instanceof JsonObject object)) {
      throw bad("the result is not a JSON object");
    }
    if (object.has("ip4") || object.has("ip6")) {
      throw bad("the result is in the pre-0.3.0 format (ip4/ip6), which is not supported");
    }
    List<Interface> interfaces = new ArrayList<>();
    for (JsonValue each : array(object, "interfaces")) {
      String name = text(each, "name");
      if (name == null) {
        throw bad("an interface has no name");
      }
      interfaces.add(new Interface(name, text(each, "mac"), text(each, "sandbox")));
    }
    List<IpConfig> ips = new ArrayList<>();
    for (JsonValue each : array(object, "ips")) {
      ips.add(ip(each, interfaces.size()));
    }
    return new CniResult(
        Optional.ofNullable(text(object, "cniVersion")).orElse(""),
        interfaces,
        ips,
        object.deepCopy());
  }

  /**
   * The pod's addresses as kubelet wants them: those on interfaces inside the sandbox, on the pod's
   * own interface (eth0, CNI_IFNAME) even when a plugin left out its sandbox field (older Terway
   * releases; containerd looks at the name alone), or not tied to an interface; IPv4 before IPv6,
   * first seen first, no duplicates. kubelet takes the first as the pod IP and the rest as
   * additional IPs.
   */
  public List<String> podIps() {
    Set<String> v4 = new LinkedHashSet<>();
    Set<String> v6 = new LinkedHashSet<>();
    for (IpConfig ip : ips) {
      boolean inPod =
          ip.interfaceIndex().isEmpty()
              || interfaces.get(ip.interfaceIndex().getAsInt()).inSandbox()
              || PodNetwork.POD_INTERFACE.equals(
                  interfaces.get(ip.interfaceIndex().getAsInt()).name());
      if (inPod) {
        (ip.ipv4() ? v4 : v6).add(ip.address());
      }
    }
    List<String> all = new ArrayList<>(v4);
    all.addAll(v6);
    return all;
  }

  private static IpConfig ip(JsonValue node, int interfaceCount) {
    String cidr = text(node, "address");
    if (cidr == null) {
      throw bad("an IP entry has no address");
    }
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw bad("IP address \"" + cidr + "\" has no prefix length");
    }
    String address = cidr.substring(0, slash);
    InetAddress parsed = literal(address);
    int bits = parsed instanceof Inet4Address ? 32 : 128;
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw bad("IP address \"" + cidr + "\" has a bad prefix length");
    }
    if (prefix < 0 || prefix > bits) {
      throw bad("IP address \"" + cidr + "\" has a bad prefix length");
    }
    String gateway = text(node, "gateway");
    if (gateway != null) {
      literal(gateway);
    }
    OptionalInt index = OptionalInt.empty();
    JsonValue iface = node.get("interface");
    if (iface != null && !iface.isNull()) {
      if (!iface.canConvertToInt() || iface.asInt() < 0 || iface.asInt() >= interfaceCount) {
        throw bad("IP " + cidr + " names interface index " + iface + ", which does not exist");
      }
      index = OptionalInt.of(iface.asInt());
    }
    return new IpConfig(address, prefix, parsed instanceof Inet4Address, gateway, index);
  }

  private static InetAddress literal(String text) {
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw bad("\"" + text + "\" is not an IP address");
    }
  }

  private static Iterable<JsonValue> array(JsonValue node, String field) {
    JsonValue value = node.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw bad("\"" + field + "\" is not an array");
    }
    return value;
  }

  private static String text(JsonValue node, String field) {
    JsonValue value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static CaissonException bad(String what) {
    return new CaissonException(CaissonException.Kind.INTERNAL, "unusable CNI result: " + what);
  }
}
