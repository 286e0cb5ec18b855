package io.caisson.image;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLParameters;

/**
 * The two HTTP clients pulls talk to registries with (HTTP/2-capable for https, HTTP/1.1 for plain
 * http), each made by the first pull that needs it rather than when the daemon starts. Each client
 * holds a selector thread, and building one loads the JDK's default TLS context (its provider
 * classes and the CA bundle: ~500 classes, ~a tenth of a second): a node that pulls only from a
 * plain-http mirror builds only the plain client, whose TLS context is deferred until a redirect or
 * a token request goes to an https address.
 */
final class RegistryClients implements AutoCloseable {
  private final Duration connectTimeout;
  private ExecutorService executor; // guarded by this
  private HttpClient https; // guarded by this
  private HttpClient http; // guarded by this
  private boolean closed; // guarded by this

  /**
   * @param connectTimeout how long a connection to a registry may take to open
   */
  RegistryClients(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** The client for an endpoint's scheme. */
  synchronized HttpClient forEndpoint(URI baseUri) {
    if (closed) {
      throw new IllegalStateException("the image service is closed");
    }
    if (executor == null) {
      executor = Executors.newVirtualThreadPerTaskExecutor();
    }
    if ("https".equals(baseUri.getScheme())) {
      if (https == null) {
        https = builder().build();
      }
      return https;
    }
    if (http == null) {
      // Empty parameters: the context's defaults (protocols, ciphers) whenever TLS is used, with
      // the client's own host name check; given, so the client need not ask the context for them.
      http =
          builder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(DeferredTlsContext.create())
              .sslParameters(new SSLParameters())
              .build();
    }
    return http;
  }

  /** Redirects are followed by the puller itself (a blob's redirect must not carry our token). */
  private HttpClient.Builder builder() {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connectTimeout)
        .executor(executor);
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
    if (executor != null) {
      executor.shutdown(); // its tasks end with the clients' connections
    }
  }
}
