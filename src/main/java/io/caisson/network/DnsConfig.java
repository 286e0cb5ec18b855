package io.caisson.network;

import io.caisson.common.CaissonException;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A pod's resolver settings, as CRI's DNSConfig gives them. Every value ends up on a line of
 * resolv.conf, so each is checked to be one harmless token: no whitespace, no newline.
 */
public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
  // kubelet's own limits for a pod's search list (MaxDNSSearchPaths, MaxDNSSearchListChars).
  static final int MAX_SEARCHES = 32;
  static final int MAX_SEARCH_CHARS = 2048;
  static final int MAX_SERVERS = 32;
  static final int MAX_OPTIONS = 32;

  private static final Pattern DOMAIN =
      Pattern.compile("\\.|[A-Za-z0-9_]([A-Za-z0-9_\\-]{0,62})(\\.[A-Za-z0-9_\\-]{1,63})*\\.?");
  private static final Pattern OPTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,63}");

  public DnsConfig {
    servers = List.copyOf(servers == null ? List.of() : servers);
    searches = List.copyOf(searches == null ? List.of() : searches);
    options = List.copyOf(options == null ? List.of() : options);
    if (servers.size() > MAX_SERVERS) {
      throw CaissonException.invalid(
          "DNS config has %d servers, more than %d", servers.size(), MAX_SERVERS);
    }
    for (String server : servers) {
      try {
        InetAddress.ofLiteral(server);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw CaissonException.invalid("DNS server \"%s\" is not an IP address", server);
      }
    }
    if (searches.size() > MAX_SEARCHES) {
      throw CaissonException.invalid(
          "DNS config has %d search domains, more than %d", searches.size(), MAX_SEARCHES);
    }
    int chars = 0;
    for (String search : searches) {
      if (search == null || search.length() > 253 || !DOMAIN.matcher(search).matches()) {
        throw CaissonException.invalid("DNS search domain \"%s\" is not a domain name", search);
      }
      chars += search.length() + 1;
    }
    if (chars > MAX_SEARCH_CHARS) {
      throw CaissonException.invalid(
          "DNS search list is %d characters long, more than %d", chars, MAX_SEARCH_CHARS);
    }
    if (options.size() > MAX_OPTIONS) {
      throw CaissonException.invalid(
          "DNS config has %d options, more than %d", options.size(), MAX_OPTIONS);
    }
    for (String option : options) {
      if (option == null || !OPTION.matcher(option).matches()) {
        throw CaissonException.invalid("DNS option \"%s\" is not a single resolver option", option);
      }
    }
  }

  public boolean isEmpty() {
    return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
  }

  /** The file's text: search, then one nameserver line each, then options. */
  String resolvConf() {
    StringBuilder text = new StringBuilder();
    if (!searches.isEmpty()) {
      text.append("search ").append(String.join(" ", searches)).append('\n');
    }
    for (String server : servers) {
      text.append("nameserver ").append(server).append('\n');
    }
    if (!options.isEmpty()) {
      text.append("options ").append(String.join(" ", options)).append('\n');
    }
    return text.toString();
  }
}
