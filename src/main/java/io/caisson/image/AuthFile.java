package io.caisson.image;

import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-wide credentials in containers-auth.json(5) form: {@code {"auths": {"host[/repo]": {"auth":
 * base64, "identitytoken": ...}}}}. The most specific key wins (host/ns/repo before host/ns before
 * host); keys are read as {@link #normalizedKey} has them, so docker login's URL keys and Docker
 * Hub's other host names are found. A registry named in {@code "credHelpers": {"host": "NAME"}}
 * gets what the credential helper {@code docker-credential-NAME} answers instead, as
 * containers/image does. Re-read on every lookup so an edited file applies to the next pull.
 */
public final class AuthFile {
  private static final Logger log = LoggerFactory.getLogger(AuthFile.class);

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
    JsonValue root;
    try {
      root = Json.parse(path);
    } catch (IOException e) {
      log.warn("ignoring unreadable auth file {}: {}", path, e.getMessage());
      return Credentials.NONE;
    }
    String registry = normalizedKey(host);
    JsonValue helper = find(root.path("credHelpers"), registry);
    if (helper != null && helper.isTextual()) {
      return helpers.get(helper.asText(), host);
    }
    JsonValue auths = root.path("auths");
    String key = repository.isEmpty() ? registry : registry + "/" + repository;
    while (true) {
      JsonValue entry = find(auths, key);
      if (entry != null && entry.isObject()) {
        return new Credentials(null, null, text(entry, "auth"), text(entry, "identitytoken"), null);
      }
      int slash = key.lastIndexOf('/');
      if (slash < 0) {
        return Credentials.NONE;
      }
      key = key.substring(0, slash);
    }
  }

  /**
   * The value under the key that normalizes to {@code key}. A key written as it is normalized wins
   * over one that only normalizes to it ({@code docker.io} over {@code
   * https://index.docker.io/v1/}), as the one an operator wrote for this registry on purpose.
   */
  private static JsonValue find(JsonValue table, String key) {
    JsonValue exact = table.get(key);
    if (exact != null) {
      return exact;
    }
    for (var field : table.properties()) {
      if (normalizedKey(field.getKey()).equals(key)) {
        return field.getValue();
      }
    }
    return null;
  }

  /**
   * A key as containers-auth.json(5) means it: {@code host[/namespace[/repo]]}. Keys written as
   * URLs, as docker login wrote them ({@code https://index.docker.io/v1/}, {@code
   * https://host/v2/}), name a whole registry: the scheme and the path go. Docker Hub's other names
   * are {@code docker.io}.
   */
  static String normalizedKey(String key) {
    String k = key.strip();
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
      int slash = k.indexOf('/');
      if (slash >= 0) {
        k = k.substring(0, slash);
      }
    }
    while (k.endsWith("/")) {
      k = k.substring(0, k.length() - 1);
    }
    int slash = k.indexOf('/');
    String host = (slash < 0 ? k : k.substring(0, slash)).toLowerCase(Locale.ROOT);
    return ImageReference.dockerHubAlias(host) + (slash < 0 ? "" : k.substring(slash));
  }

  private static String text(JsonValue node, String field) {
    JsonValue v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }
}
