package io.caisson.image;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.net.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxies registry connections go through, from {@code HTTPS_PROXY}, {@code HTTP_PROXY} and
 * {@code NO_PROXY} (upper case first, then lower case) as Go programs read them, containerd and
 * CRI-O among them: an operator's proxy drop-in for the service works for Caisson too. The JDK's
 * own HTTP client reads none of them. HTTPS_PROXY serves https registries and HTTP_PROXY plain
 * ones; loopback registries are never proxied. NO_PROXY is a comma-separated list of {@code *},
 * host names (the name and its subdomains; a leading dot: subdomains only), IP addresses and CIDR
 * ranges, each optionally with a port. Only http:// proxies can be used (what the JDK's client
 * speaks); another scheme fails every pull it would serve rather than let it go around the proxy.
 */
final class ProxyFromEnvironment extends ProxySelector {
  private final ProxyUrl https;
  private final ProxyUrl http;
  private final List<String> noProxy;

  /** A proxy as its variable gives it; {@code problem} is why it cannot be used, or null. */
  record ProxyUrl(
      String variable, String host, int port, String user, String password, String problem) {
    @Override
    public String toString() {
      return variable + "=http://" + (user == null ? "" : user + ":***@") + host + ":" + port;
    }
  }

  ProxyFromEnvironment(Map<String, String> env) {
    this.https = parse(env, "HTTPS_PROXY");
    this.http = parse(env, "HTTP_PROXY");
    List<String> entries = new ArrayList<>();
    String list = value(env, "NO_PROXY");
    if (list != null) {
      for (String entry : list.split(",")) {
        if (!entry.isBlank()) {
          entries.add(entry.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    this.noProxy = List.copyOf(entries);
  }

  /** Whether any proxy is configured. */
  boolean configured() {
    return https != null || http != null;
  }

  /**
   * The proxy a connection to {@code uri} goes through, or null for a direct one;
   * FAILED_PRECONDITION when it is one that cannot be used.
   */
  ProxyUrl proxyFor(URI uri) {
    ProxyUrl proxy = chosen(uri);
    if (proxy != null && proxy.problem() != null) {
      throw CaissonException.precondition(
          "%s cannot be used for %s: %s", proxy.variable(), uri.getHost(), proxy.problem());
    }
    return proxy;
  }

  private ProxyUrl chosen(URI uri) {
    ProxyUrl proxy = "https".equals(uri.getScheme()) ? https : http;
    if (proxy == null || uri.getHost() == null || bypassed(uri)) {
      return null;
    }
    return proxy;
  }

  /**
   * For the HTTP client, which asks again for every connection (a redirect, a token server). An
   * unusable proxy is a name that cannot resolve: the connection fails instead of going direct.
   */
  @Override
  public List<Proxy> select(URI uri) {
    ProxyUrl proxy = chosen(uri);
    if (proxy == null) {
      return List.of(Proxy.NO_PROXY);
    }
    InetSocketAddress address =
        proxy.problem() == null
            ? InetSocketAddress.createUnresolved(proxy.host(), proxy.port())
            : InetSocketAddress.createUnresolved(
                proxy.variable().toLowerCase(Locale.ROOT) + "-unusable.invalid", 1);
    return List.of(new Proxy(Proxy.Type.HTTP, address));
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException e) {
    // The pull reports the failure; there is no other proxy to fall back to.
  }

  /** Whether a proxy's URL carries credentials. */
  boolean hasCredentials() {
    return (https != null && https.user() != null) || (http != null && http.user() != null);
  }

  /** Answers a proxy's challenge with the credentials of its URL; never a registry's. */
  Authenticator authenticator() {
    return new Authenticator() {
      @Override
      protected PasswordAuthentication getPasswordAuthentication() {
        if (getRequestorType() != RequestorType.PROXY) {
          return null;
        }
        for (ProxyUrl p : new ProxyUrl[] {https, http}) {
          if (p != null
              && p.user() != null
              && p.host().equalsIgnoreCase(getRequestingHost())
              && p.port() == getRequestingPort()) {
            return new PasswordAuthentication(p.user(), p.password().toCharArray());
          }
        }
        return null;
      }
    };
  }

  private boolean bypassed(URI uri) {
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("localhost") || isLoopbackLiteral(host)) {
      return true;
    }
    int port = uri.getPort() != -1 ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
    for (String entry : noProxy) {
      if (matches(entry, host, port)) {
        return true;
      }
    }
    return false;
  }

  static boolean matches(String entry, String host, int port) {
    if (entry.equals("*")) {
      return true;
    }
    String pattern = entry;
    int entryPort = -1;
    int colon = pattern.lastIndexOf(':');
    if (colon > 0 && pattern.indexOf(':') == colon && !pattern.endsWith("]")) {
      try {
        entryPort = Integer.parseInt(pattern.substring(colon + 1));
        pattern = pattern.substring(0, colon);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (pattern.startsWith("[") && pattern.endsWith("]")) {
      pattern = pattern.substring(1, pattern.length() - 1);
    }
    if (entryPort != -1 && entryPort != port) {
      return false;
    }
    if (pattern.contains("/")) {
      return inCidr(pattern, host);
    }
    if (pattern.startsWith(".")) {
      return host.endsWith(pattern);
    }
    if (pattern.startsWith("*.")) {
      return host.endsWith(pattern.substring(1));
    }
    return host.equals(pattern) || host.endsWith("." + pattern);
  }

  private static boolean inCidr(String cidr, String host) {
    int slash = cidr.indexOf('/');
    byte[] network = literal(cidr.substring(0, slash));
    byte[] address = literal(host);
    if (network == null || address == null || network.length != address.length) {
      return false;
    }
    int bits;
    try {
      bits = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      return false;
    }
    for (int i = 0; i < network.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((network[i] & mask) != (address[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** The bytes of an IP literal, or null for a name (never a DNS lookup). */
  private static byte[] literal(String text) {
    boolean v4 = text.matches("[0-9.]+");
    boolean v6 = text.contains(":") && text.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean isLoopbackLiteral(String host) {
    byte[] address = literal(host);
    try {
      return address != null && InetAddress.getByAddress(address).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  private static String value(Map<String, String> env, String name) {
    String upper = env.get(name);
    if (upper != null && !upper.isBlank()) {
      return upper.trim();
    }
    String lower = env.get(name.toLowerCase(Locale.ROOT));
    return lower == null || lower.isBlank() ? null : lower.trim();
  }

  private static ProxyUrl parse(Map<String, String> env, String variable) {
    String text = value(env, variable);
    if (text == null) {
      return null;
    }
    URI uri;
    try {
      uri = URI.create(text.contains("://") ? text : "http://" + text);
    } catch (IllegalArgumentException e) {
      return new ProxyUrl(variable, "", 0, null, null, "'" + text + "' is not a URL");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme())) {
      return new ProxyUrl(
          variable,
          "",
          0,
          null,
          null,
          uri.getScheme() + ":// proxies are not supported, only http://");
    }
    if (uri.getHost() == null) {
      return new ProxyUrl(variable, "", 0, null, null, "'" + text + "' names no host");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
      password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
    }
    return new ProxyUrl(
        variable, uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort(), user, password, null);
  }
}
