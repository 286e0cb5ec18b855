package io.caisson.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-wide credentials in containers-auth.json(5) form: {@code {"auths": {"host[/repo]": {"auth":
 * base64, "identitytoken": ...}}}}. The most specific key wins (host/ns/repo before host/ns before
 * host). A registry named in {@code "credHelpers": {"host": "NAME"}} gets what the credential
 * helper {@code docker-credential-NAME} answers instead, as containers/image does. Re-read on every
 * lookup so an edited file applies to the next pull.
 */
public final class AuthFile {
  private static final Logger log = LoggerFactory.getLogger(AuthFile.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final CredentialHelper helpers;

  /**
   * @param searchPath where credential helpers are looked for (the daemon's PATH)
   */
  public AuthFile(Path path, List<Path> searchPath) {
    this.path = path;
    this.helpers = new CredentialHelper(searchPath);
  }

  /**
   * The first credentials the sources registries.conf's {@code credential-helpers} lists in order
   * have for {@code host/repository}: the auth file for {@link RegistriesConf#AUTH_FILE_HELPER}, a
   * credential helper for any other name. {@link Credentials#NONE} when none has any.
   */
  Credentials lookup(String host, String repository, List<String> sources) {
    for (String source : sources) {
      Credentials found =
          source.equals(RegistriesConf.AUTH_FILE_HELPER)
              ? lookup(host, repository)
              : helpers.get(source, host);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return Credentials.NONE;
  }

  /** Credentials for {@code host/repository} in the auth file, or {@link Credentials#NONE}. */
  public Credentials lookup(String host, String repository) {
    if (path == null || !Files.isRegularFile(path)) {
      return Credentials.NONE;
    }
    JsonNode root;
    try {
      root = JSON.readTree(path.toFile());
    } catch (IOException e) {
      log.warn("ignoring unreadable auth file {}: {}", path, e.getMessage());
      return Credentials.NONE;
    }
    JsonNode helper = root.path("credHelpers").get(host);
    if (helper != null && helper.isTextual()) {
      return helpers.get(helper.asText(), host);
    }
    JsonNode auths = root.path("auths");
    String key = repository.isEmpty() ? host : host + "/" + repository;
    while (true) {
      JsonNode entry = find(auths, key);
      if (entry != null) {
        return new Credentials(null, null, text(entry, "auth"), text(entry, "identitytoken"), null);
      }
      int slash = key.lastIndexOf('/');
      if (slash < 0) {
        break;
      }
      key = key.substring(0, slash);
    }
    if (host.equals(ImageReference.DEFAULT_REGISTRY)) {
      JsonNode legacy = find(auths, "https://index.docker.io/v1/");
      if (legacy != null) {
        return new Credentials(
            null, null, text(legacy, "auth"), text(legacy, "identitytoken"), null);
      }
    }
    return Credentials.NONE;
  }

  private static JsonNode find(JsonNode auths, String key) {
    JsonNode n = auths.get(key);
    if (n == null) {
      n = auths.get("https://" + key);
    }
    if (n == null) {
      n = auths.get("http://" + key);
    }
    return n != null && n.isObject() ? n : null;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }
}
