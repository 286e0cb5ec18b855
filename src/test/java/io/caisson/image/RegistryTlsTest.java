package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's CA bundle decides what registries without a directory of their own are trusted. */
class RegistryTlsTest {
  @TempDir Path dir;

  /** openssl in the test's directory; a certificate request gets a subject, never a prompt. */
  private void openssl(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(args));
    if (args[0].equals("req")) {
      argv.addAll(List.of("-subj", "/CN=" + args[args.length - 1], "-days", "1"));
    }
    OpenSsl.run(dir, argv);
  }

  @Test
  void aCaInTheNodesBundleIsTrustedAndOneOutsideItIsNot() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-out", "o.crt");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "s.key", "-out", "s.csr");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
        "x509",
        "-req",
        "-in",
        "s.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "s.crt",
        "-days",
        "1",
        "-extfile",
        "san.ext");
    // A bundle as update-ca-certificates writes it: many certificates, one file.
    Files.writeString(
        dir.resolve("bundle.crt"),
        Files.readString(dir.resolve("o.crt")) + Files.readString(dir.resolve("ca.crt")));

    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
    server.createContext(
        "/v2/",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    URI uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
    try {
      RegistryTls trusting = new RegistryTls(null, List.of(dir.resolve("bundle.crt")));
      assertThat(get(trusting.defaultContext(), uri)).isEqualTo(200);
      RegistryTls other = new RegistryTls(null, List.of(dir.resolve("o.crt")));
      assertThatThrownBy(() -> get(other.defaultContext(), uri))
          .isInstanceOf(SSLHandshakeException.class);
      // No bundle on the node: the JDK's own roots, which know nothing of a private CA.
      RegistryTls none = new RegistryTls(null, List.of(dir.resolve("absent.crt")));
      assertThat(none.defaultContext()).isSameAs(SSLContext.getDefault());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aHostDirectoryIsFoundByHostAndPortOnly() throws Exception {
    Files.createDirectories(dir.resolve("registry.example:5000"));
    RegistryTls tls = new RegistryTls(dir);
    assertThat(tls.hostDir("registry.example:5000"))
        .isEqualTo(dir.resolve("registry.example:5000"));
    assertThat(tls.hostDir("registry.example")).isNull();
    assertThat(tls.hostDir("../etc")).isNull();
    assertThat(new RegistryTls(null).hostDir("registry.example:5000")).isNull();
    String before = RegistryTls.fingerprint(dir.resolve("registry.example:5000"));
    Files.writeString(dir.resolve("registry.example:5000/ca.crt"), "x");
    assertThat(RegistryTls.fingerprint(dir.resolve("registry.example:5000"))).isNotEqualTo(before);
  }

  private SSLContext serverContext() throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "server",
        PemFiles.privateKey(dir.resolve("s.key")),
        "p".toCharArray(),
        PemFiles.certificates(dir.resolve("s.crt")).toArray(new X509Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "p".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  private static int get(SSLContext context, URI uri) throws Exception {
    try (HttpClient client = HttpClient.newBuilder().sslContext(context).build()) {
      return client
          .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }
}
