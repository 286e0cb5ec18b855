package io.caisson.image;

import io.caisson.common.SearchPath;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A docker credential helper ({@code docker-credential-NAME}, the protocol of
 * docker/docker-credential-helpers that ECR's, GCR's, ACR's and the pass / secretservice helpers
 * speak): {@code get} with the registry on stdin answers {@code {"Username", "Secret"}} on stdout,
 * a username of {@code <token>} meaning an identity token. Found on the daemon's PATH.
 */
final class CredentialHelper {
  private static final Logger log = LoggerFactory.getLogger(CredentialHelper.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final long TIMEOUT_SECONDS = 30;
  private static final int MAX_OUTPUT = 64 << 10;

  private final SearchPath searchPath;

  /**
   * @param searchPath the directories of the daemon's PATH, in order
   */
  CredentialHelper(List<Path> searchPath) {
    this.searchPath = new SearchPath(searchPath);
  }

  /** The directories of a PATH value; empty entries dropped. */
  static List<Path> directories(String path) {
    return SearchPath.parse(path).dirs();
  }

  /** Whether {@code name} can name a helper (a file name, no path). */
  static boolean isName(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * What helper {@code name} has for {@code registry}; {@link Credentials#NONE} when it has nothing
   * or cannot be asked (said in the log: the pull then goes on without credentials, and the
   * registry's refusal names that).
   */
  Credentials get(String name, String registry) {
    if (!isName(name)) {
      log.warn("credential helper '{}' for {}: not a helper name", name, registry);
      return Credentials.NONE;
    }
    Path binary = searchPath.find("docker-credential-" + name).orElse(null);
    if (binary == null) {
      log.warn("credential helper docker-credential-{} for {}: not on PATH", name, registry);
      return Credentials.NONE;
    }
    try {
      Process p = new ProcessBuilder(binary.toString(), "get").redirectErrorStream(true).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(registry.getBytes(StandardCharsets.UTF_8));
      }
      byte[] out = p.getInputStream().readNBytes(MAX_OUTPUT);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        log.warn("credential helper {} for {}: no answer in 30 s", binary, registry);
        return Credentials.NONE;
      }
      String said = new String(out, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        // The protocol's "credentials not found in native keychain" is the helper's "none".
        if (!said.contains("credentials not found")) {
          log.warn("credential helper {} for {} failed: {}", binary, registry, said);
        }
        return Credentials.NONE;
      }
      JsonValue answer = Json.parse(said);
      String username = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      if (secret.isEmpty()) {
        return Credentials.NONE;
      }
      return username.equals("<token>")
          ? new Credentials(null, null, null, secret, null)
          : Credentials.basic(username, secret);
    } catch (IOException e) {
      log.warn("credential helper {} for {}: {}", binary, registry, e.getMessage());
      return Credentials.NONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Credentials.NONE;
    }
  }
}
