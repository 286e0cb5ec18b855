package io.caisson.image;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The two HTTP clients pulls talk to registries with (HTTP/2-capable for https, HTTP/1.1 for plain
 * http), made by the first pull that needs one rather than when the daemon starts: building a
 * client loads the JDK's default TLS context (its provider classes and the CA bundle), about a
 * tenth of a second of start-up that no call but a pull needs.
 */
final class RegistryClients implements AutoCloseable {
  private final Duration connectTimeout;
  private Clients clients; // guarded by this
  private boolean closed; // guarded by this

  private record Clients(HttpClient https, HttpClient http, ExecutorService executor) {}

  /**
   * @param connectTimeout how long a connection to a registry may take to open
   */
  RegistryClients(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** The client for an endpoint's scheme. */
  HttpClient forEndpoint(URI baseUri) {
    Clients c = clients();
    return "https".equals(baseUri.getScheme()) ? c.https() : c.http();
  }

  private synchronized Clients clients() {
    if (closed) {
      throw new IllegalStateException("the image service is closed");
    }
    if (clients == null) {
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      clients =
          new Clients(
              builder(executor).build(),
              builder(executor).version(HttpClient.Version.HTTP_1_1).build(),
              executor);
    }
    return clients;
  }

  /** Redirects are followed by the puller itself (a blob's redirect must not carry our token). */
  private HttpClient.Builder builder(ExecutorService executor) {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connectTimeout)
        .executor(executor);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (clients != null) {
      clients.https().close();
      clients.http().close();
      clients.executor().shutdown(); // its tasks end with the clients' connections
    }
  }
}
