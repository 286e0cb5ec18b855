package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.caisson.common.CaissonException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lookaside storage on a real directory and a real web server on 127.0.0.1. */
class LookasideTest {
  private static final Digest MANIFEST = Digest.parse("sha256:" + "b".repeat(64));
  private static final ImageReference REF = ImageReference.parse("a.io/team/app:v1");
  private static final String SUFFIX = "/team/app@sha256=" + "b".repeat(64) + "/signature-";

  @TempDir Path dir;
  private HttpServer server;
  private final Map<String, String> pages = new ConcurrentHashMap<>();
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext(
        "/",
        exchange -> {
          String page = pages.get(exchange.getRequestURI().getPath());
          if (page == null) {
            exchange.sendResponseHeaders(404, -1);
          } else if (page.startsWith("redirect:")) {
            exchange.getResponseHeaders().add("Location", page.substring(9));
            exchange.sendResponseHeaders(302, -1);
          } else if (page.startsWith("status:")) {
            exchange.sendResponseHeaders(Integer.parseInt(page.substring(7)), -1);
          } else {
            byte[] body = page.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    client.close();
  }

  private Lookaside lookaside(String base) throws Exception {
    Path registries = Files.createDirectories(dir.resolve("registries.d"));
    Files.writeString(
        registries.resolve("a.yaml"), "docker:\n  a.io:\n    lookaside: " + base + "\n");
    return new Lookaside(registries, defaultStorage(), url -> client);
  }

  /** The built-in default's stand-in: a directory of the test's. */
  private URI defaultStorage() {
    return dir.resolve("default-sigstore").toUri();
  }

  private String web() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static List<String> texts(Lookaside.Found found) {
    return found.signatures().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void signaturesAreReadInOrderUntilOneIsMissing() throws Exception {
    Path storage = dir.resolve("sigstore");
    Path manifestDir =
        Files.createDirectories(storage.resolve("team/app@sha256=" + "b".repeat(64)));
    Files.writeString(manifestDir.resolve("signature-1"), "one");
    Files.writeString(manifestDir.resolve("signature-2"), "two");
    Files.writeString(manifestDir.resolve("signature-4"), "after a gap: not read");
    Lookaside.Found found = lookaside(storage.toUri().toString()).signatures(REF, MANIFEST);
    assertThat(texts(found)).containsExactly("one", "two");
    assertThat(found.where()).contains(storage.resolve("team/app").toString());

    pages.put("/sigs" + SUFFIX + "1", "first");
    pages.put("/sigs" + SUFFIX + "2", "redirect:/elsewhere/second");
    pages.put("/elsewhere/second", "second");
    assertThat(texts(lookaside(web() + "/sigs").signatures(REF, MANIFEST)))
        .containsExactly("first", "second");
  }

  @Test
  void imagesWithoutStorageOfTheirOwnUseTheDefaultAndAServerErrorFailsThePull() throws Exception {
    Lookaside none = new Lookaside(dir.resolve("absent"), defaultStorage(), url -> client);
    assertThat(none.signatures(REF, MANIFEST).signatures()).isEmpty();
    assertThat(none.signatures(REF, MANIFEST).where())
        .contains(dir.resolve("default-sigstore/team/app").toString())
        .contains("names none for a.io/team/app");
    Files.writeString(
        Files.createDirectories(dir.resolve("default-sigstore/team/app@sha256=" + "b".repeat(64)))
            .resolve("signature-1"),
        "from the default");
    assertThat(texts(none.signatures(REF, MANIFEST))).containsExactly("from the default");

    pages.put("/sigs" + SUFFIX + "1", "status:503");
    assertThatThrownBy(() -> lookaside(web() + "/sigs").signatures(REF, MANIFEST))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.UNAVAILABLE))
        .hasMessageContaining("the server answered 503");
    pages.put("/sigs" + SUFFIX + "1", "redirect:file:///etc/passwd");
    assertThatThrownBy(() -> lookaside(web() + "/sigs").signatures(REF, MANIFEST))
        .hasMessageContaining("not a web address");
    Files.writeString(
        dir.resolve("registries.d/b.yaml"), "docker:\n  a.io:\n    lookaside: file:///x\n");
    assertThatThrownBy(
            () ->
                new Lookaside(dir.resolve("registries.d"), defaultStorage(), url -> client)
                    .signatures(REF, MANIFEST))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION))
        .hasMessageContaining("configured in both");
  }
}
