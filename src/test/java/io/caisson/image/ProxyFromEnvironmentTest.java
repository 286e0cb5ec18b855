package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyFromEnvironmentTest {
  private static String via(ProxyFromEnvironment proxies, String uri) {
    Proxy p = proxies.select(URI.create(uri)).getFirst();
    if (p.type() == Proxy.Type.DIRECT) {
      return "direct";
    }
    InetSocketAddress a = (InetSocketAddress) p.address();
    return a.getHostString() + ":" + a.getPort();
  }

  @Test
  void eachSchemeHasItsProxyAndUpperCaseWins() {
    var proxies =
        new ProxyFromEnvironment(
            Map.of(
                "HTTPS_PROXY", "http://secure.proxy:3128",
                "https_proxy", "http://ignored:1",
                "http_proxy", "plain.proxy"));
    assertThat(proxies.configured()).isTrue();
    assertThat(via(proxies, "https://registry.example/v2/")).isEqualTo("secure.proxy:3128");
    assertThat(via(proxies, "http://registry.example:5000/v2/")).isEqualTo("plain.proxy:80");
    assertThat(new ProxyFromEnvironment(Map.of()).configured()).isFalse();
    assertThat(via(new ProxyFromEnvironment(Map.of()), "https://r.example/")).isEqualTo("direct");
    // No fallback from one scheme to the other, as in Go.
    assertThat(via(new ProxyFromEnvironment(Map.of("HTTP_PROXY", "p:1")), "https://r.example/"))
        .isEqualTo("direct");
  }

  @Test
  void loopbackIsNeverProxied() {
    var proxies = new ProxyFromEnvironment(Map.of("HTTP_PROXY", "http://p:1"));
    assertThat(via(proxies, "http://127.0.0.1:5000/v2/")).isEqualTo("direct");
    assertThat(via(proxies, "http://localhost:5000/v2/")).isEqualTo("direct");
    assertThat(via(proxies, "http://[::1]:5000/v2/")).isEqualTo("direct");
    assertThat(via(proxies, "http://10.1.2.3:5000/v2/")).isEqualTo("p:1");
  }

  @Test
  void noProxyEntries() {
    assertThat(ProxyFromEnvironment.matches("*", "anything.example", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("example.com", "example.com", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("example.com", "r.example.com", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("example.com", "notexample.com", 443)).isFalse();
    assertThat(ProxyFromEnvironment.matches(".example.com", "r.example.com", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches(".example.com", "example.com", 443)).isFalse();
    assertThat(ProxyFromEnvironment.matches("*.example.com", "r.example.com", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("example.com:5000", "example.com", 5000)).isTrue();
    assertThat(ProxyFromEnvironment.matches("example.com:5000", "example.com", 443)).isFalse();
    assertThat(ProxyFromEnvironment.matches("10.0.0.0/8", "10.200.1.1", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("10.0.0.0/8", "11.0.0.1", 443)).isFalse();
    assertThat(ProxyFromEnvironment.matches("192.168.1.0/25", "192.168.1.127", 80)).isTrue();
    assertThat(ProxyFromEnvironment.matches("192.168.1.0/25", "192.168.1.128", 80)).isFalse();
    assertThat(ProxyFromEnvironment.matches("10.0.0.0/8", "registry.example", 443)).isFalse();
    assertThat(ProxyFromEnvironment.matches("fd00::/8", "fd12::1", 443)).isTrue();
    assertThat(ProxyFromEnvironment.matches("192.0.2.7", "192.0.2.7", 443)).isTrue();

    var proxies =
        new ProxyFromEnvironment(
            Map.of("HTTPS_PROXY", "p:1", "no_proxy", " internal.example , 10.0.0.0/8 ,"));
    assertThat(via(proxies, "https://registry.internal.example/v2/")).isEqualTo("direct");
    assertThat(via(proxies, "https://10.9.9.9/v2/")).isEqualTo("direct");
    assertThat(via(proxies, "https://registry.example/v2/")).isEqualTo("p:1");
  }

  @Test
  void anUnusableProxyFailsWhatItWouldServeAndNeverGoesDirect() {
    var proxies =
        new ProxyFromEnvironment(
            Map.of("HTTPS_PROXY", "socks5://p:1080", "NO_PROXY", "internal.example"));
    URI registry = URI.create("https://registry.example/v2/");
    assertThatThrownBy(() -> proxies.proxyFor(registry))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains("HTTPS_PROXY", "socks5", "registry.example");
            });
    assertThat(via(proxies, "https://registry.example/v2/"))
        .isEqualTo("https_proxy-unusable.invalid:1");
    assertThat(proxies.proxyFor(URI.create("https://r.internal.example/"))).isNull();
  }

  @Test
  void credentialsComeFromTheUrlAndAreNeverShown() {
    var proxies =
        new ProxyFromEnvironment(Map.of("HTTPS_PROXY", "http://alice:p%40ss@proxy.example:3128"));
    var p = proxies.proxyFor(URI.create("https://registry.example/v2/"));
    assertThat(p.user()).isEqualTo("alice");
    assertThat(p.password()).isEqualTo("p@ss");
    assertThat(p.toString()).doesNotContain("p@ss").contains("alice");
    assertThat(proxies.hasCredentials()).isTrue();
    assertThat(new ProxyFromEnvironment(Map.of("HTTPS_PROXY", "p:1")).hasCredentials()).isFalse();
  }
}
