package io.caisson.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token service of a docker-registry in {@code auth: token} mode, run by the test: a
 * self-signed RSA certificate (made with openssl) that the registry trusts, JWTs signed with its
 * key, issued only to the one user with the right password.
 */
final class TokenServer implements AutoCloseable {
  static final String SERVICE = "caisson-test-registry";
  static final String ISSUER = "caisson-test-issuer";

  final Path certFile;
  private final PrivateKey key;
  private final String x5c;
  private final HttpServer server;
  private final HttpServer elsewhere;
  private final String user;
  private final String password;
  final AtomicInteger issued = new AtomicInteger();
  final AtomicInteger refused = new AtomicInteger();

  TokenServer(Path dir, String user, String password) throws Exception {
    this.user = user;
    this.password = password;
    Files.createDirectories(dir);
    certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=caisson-test-token",
                "-keyout",
                keyFile.toString(),
                "-out",
                certFile.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl failed: " + out);
    }
    String pem =
        Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    key =
        KeyFactory.getInstance("RSA")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    X509Certificate cert =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
    x5c = Base64.getEncoder().encodeToString(cert.getEncoded());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    elsewhere = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpHandler tokens =
        ex -> {
          String expected =
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          String scope = "";
          String query = ex.getRequestURI().getRawQuery();
          for (String kv : query == null ? new String[0] : query.split("&")) {
            if (kv.startsWith("scope=")) {
              scope = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
            }
          }
          if (!expected.equals(auth)) {
            refused.incrementAndGet();
            ex.sendResponseHeaders(401, -1);
            ex.close();
            return;
          }
          String[] parts = scope.split(":");
          byte[] body =
              ("{\"token\":\"" + mint(parts.length == 3 ? parts[1] : "", "pull") + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          issued.incrementAndGet();
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        };
    server.createContext("/token", tokens);
    elsewhere.createContext("/token", tokens);
    server.createContext(
        "/front",
        ex -> {
          String query = ex.getRequestURI().getRawQuery();
          switch (front) {
            case DIRECT -> tokens.handle(ex);
            case REDIRECT -> redirect(ex, "/token?" + query);
            case REDIRECT_ELSEWHERE ->
                redirect(
                    ex,
                    "http://127.0.0.1:%d/token?%s"
                        .formatted(elsewhere.getAddress().getPort(), query));
            case LOOP -> redirect(ex, "/front?" + query);
            case FAIL -> {
              byte[] body = "token backend down".getBytes(StandardCharsets.UTF_8);
              ex.sendResponseHeaders(503, body.length);
              ex.getResponseBody().write(body);
              ex.close();
            }
          }
        });
    server.start();
    elsewhere.start();
  }

  /** What {@link #frontRealm()} does with a token request. */
  enum Front {
    /** issues tokens as /token does */
    DIRECT,
    /** redirects to /token of the same server */
    REDIRECT,
    /** redirects to /token of another server (another port: another host for credentials) */
    REDIRECT_ELSEWHERE,
    /** redirects to itself, forever */
    LOOP,
    /** fails with 503 */
    FAIL
  }

  volatile Front front = Front.DIRECT;

  private static void redirect(HttpExchange ex, String location) throws java.io.IOException {
    ex.getResponseHeaders().add("Location", location);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  /** A realm whose answers {@link #front} decides. */
  String frontRealm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/front";
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  String registryAuthYaml() {
    return """
        auth:
          token:
            realm: %s
            service: %s
            issuer: %s
            rootcertbundle: %s
        """
        .formatted(realm(), SERVICE, ISSUER, certFile);
  }

  /** A signed registry token granting {@code actions} (comma-separated) on {@code repo}. */
  String mint(String repo, String actions) {
    try {
      JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
      header.putArray("x5c").add(x5c);
      long now = System.currentTimeMillis() / 1000;
      JsonObject claims =
          new JsonObject()
              .put("iss", ISSUER)
              .put("sub", user)
              .put("aud", SERVICE)
              .put("exp", now + 600)
              .put("nbf", now - 60)
              .put("iat", now - 60)
              .put("jti", UUID.randomUUID().toString());
      var access = claims.putArray("access").addObject();
      access.put("type", "repository").put("name", repo);
      var acts = access.putArray("actions");
      for (String a : actions.split(",")) {
        acts.add(a);
      }
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String signingInput =
          b64.encodeToString(JsonRecords.STANDARD.bytes(header))
              + "."
              + b64.encodeToString(JsonRecords.STANDARD.bytes(claims));
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initSign(key);
      sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(sig.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    elsewhere.stop(0);
  }
}
