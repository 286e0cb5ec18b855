package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyManagementException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deferred context behaves as the JDK's default one once TLS is used. */
class DeferredTlsContextTest {
  @TempDir Path dir;

  @Test
  void enginesComeFromTheDefaultContextAndItCannotBeReinitialised() throws Exception {
    SSLContext deferred = DeferredTlsContext.create(DeferredTlsContextTest::jdkDefault);
    var engine = deferred.createSSLEngine("registry.example", 443);
    var expected = SSLContext.getDefault().createSSLEngine("registry.example", 443);

    assertThat(engine.getPeerHost()).isEqualTo("registry.example");
    assertThat(engine.getEnabledProtocols()).containsExactly(expected.getEnabledProtocols());
    assertThat(engine.getEnabledCipherSuites()).containsExactly(expected.getEnabledCipherSuites());
    assertThat(deferred.getDefaultSSLParameters().getProtocols())
        .containsExactly(SSLContext.getDefault().getDefaultSSLParameters().getProtocols());
    assertThatThrownBy(() -> deferred.init(null, null, null))
        .isInstanceOf(KeyManagementException.class);
  }

  /**
   * The plain-http client as {@link RegistryClients} builds it, sent to an https address (as a
   * redirect or a token realm would send it): the server's self-signed certificate is refused by
   * the default trust store, so TLS ran with its checks on.
   */
  @Test
  void aPlainClientsHttpsRequestIsCheckedAgainstTheDefaultTrustStore() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-dname",
                "CN=127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "secret",
                "-keypass",
                "secret")
            .redirectErrorStream(true)
            .start();
    String said = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor()).as(said).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(keystore.toFile())) {
      keys.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "secret".toCharArray());
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);

    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(DeferredTlsContext.create(DeferredTlsContextTest::jdkDefault))
            .sslParameters(new SSLParameters())
            .build()) {
      URI uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
      assertThatThrownBy(
              () ->
                  client.send(
                      HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("PKIX");
    } finally {
      server.stop(0);
    }
  }

  private static SSLContext jdkDefault() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
