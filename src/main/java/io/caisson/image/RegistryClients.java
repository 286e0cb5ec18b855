package io.caisson.image;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLParameters;

/**
 * The two HTTP clients pulls talk to registries with (HTTP/2-capable for https, HTTP/1.1 for plain
 * http), each made by the first pull that needs it rather than when the daemon starts. Each client
 * holds a selector thread, and building one loads a TLS context (the provider's classes and the
 * node's CA bundle, {@link RegistryTls}: ~500 classes, ~a tenth of a second): a node that pulls
 * only from a plain-http mirror builds only the plain client, whose TLS context is deferred until a
 * redirect or a token request goes to an https address. Registries marked insecure share a third,
 * which accepts any certificate. A registry with a TLS directory of its own ({@link RegistryTls})
 * gets a client of its own, made again when a file of that directory changes.
 */
final class RegistryClients implements AutoCloseable {
  private final Duration connectTimeout;
  private final RegistryTls tls;
  private final ProxyFromEnvironment proxies;
  private final Map<String, HostClient> hostClients = new HashMap<>(); // guarded by this
  private ExecutorService executor; // guarded by this
  private HttpClient https; // guarded by this
  private HttpClient insecureHttps; // guarded by this
  private HttpClient http; // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param connectTimeout how long a connection to a registry may take to open
   * @param tls what registry connections trust and present
   * @param proxies the proxies they go through
   */
  RegistryClients(Duration connectTimeout, RegistryTls tls, ProxyFromEnvironment proxies) {
    this.connectTimeout = connectTimeout;
    this.tls = tls;
    this.proxies = proxies;
  }

  private record HostClient(String fingerprint, HttpClient client) {}

  /**
   * The endpoint to talk to: a loopback registry, plain http by default, is spoken to over https
   * when it has a TLS directory (the only reason to give it one).
   */
  RegistryEndpoint secured(RegistryEndpoint ep) {
    if ("http".equals(ep.baseUri().getScheme())
        && RegistryEndpoint.isLoopback(ep.host())
        && tls.hostDir(ep.baseUri().getRawAuthority()) != null) {
      return ep.overHttps();
    }
    return ep;
  }

  /** The client for an endpoint: its scheme's, or its registry's own. */
  synchronized HttpClient forEndpoint(RegistryEndpoint ep) {
    if (closed) {
      throw new IllegalStateException("the image service is closed");
    }
    if (executor == null) {
      executor = Executors.newVirtualThreadPerTaskExecutor();
    }
    URI baseUri = ep.baseUri();
    proxies.proxyFor(baseUri); // an unusable proxy fails the pull here, with its reason
    if ("https".equals(baseUri.getScheme()) && ep.insecure()) {
      if (insecureHttps == null) {
        insecureHttps = builder().sslContext(InsecureTls.context()).build();
      }
      return insecureHttps;
    }
    if ("https".equals(baseUri.getScheme())) {
      String authority = baseUri.getRawAuthority();
      Path dir = tls.hostDir(authority);
      if (dir == null && !ep.host().equals(authority)) {
        dir = tls.hostDir(ep.host()); // docker.io's directory for registry-1.docker.io
      }
      if (dir != null) {
        return hostClient(authority, dir);
      }
      if (https == null) {
        https = builder().sslContext(tls.defaultContext()).build();
      }
      return https;
    }
    if (http == null) {
      // Empty parameters: the context's defaults (protocols, ciphers) whenever TLS is used, with
      // the client's own host name check; given, so the client need not ask the context for them.
      http =
          builder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(DeferredTlsContext.create(tls::defaultContext))
              .sslParameters(new SSLParameters())
              .build();
    }
    return http;
  }

  private HttpClient hostClient(String authority, Path dir) {
    String fingerprint = RegistryTls.fingerprint(dir);
    HostClient current = hostClients.get(authority);
    if (current != null && current.fingerprint().equals(fingerprint)) {
      return current.client();
    }
    HttpClient client = builder().sslContext(tls.contextFor(dir)).build();
    hostClients.put(authority, new HostClient(fingerprint, client));
    if (current != null) {
      current.client().shutdown(); // pulls under way finish on it
    }
    return client;
  }

  /** Redirects are followed by the puller itself (a blob's redirect must not carry our token). */
  private HttpClient.Builder builder() {
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout)
            .executor(executor);
    if (proxies.configured()) {
      builder.proxy(proxies);
    }
    if (proxies.hasCredentials()) {
      // Only then: with an authenticator the client also consults it on a registry's 401.
      builder.authenticator(proxies.authenticator());
    }
    return builder;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (https != null) {
      https.close();
    }
    if (http != null) {
      http.close();
    }
    if (insecureHttps != null) {
      insecureHttps.close();
    }
    hostClients.values().forEach(h -> h.client().close());
    if (executor != null) {
      executor.shutdown(); // its tasks end with the clients' connections
    }
  }
}
