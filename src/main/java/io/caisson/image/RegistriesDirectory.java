package io.caisson.image;

import io.caisson.json.JsonValue;
import io.caisson.yaml.YamlReader;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The containers ecosystem's registries.d ({@code /etc/containers/registries.d/*.yaml},
 * containers-registries.d(5)): where the GPG signatures of an image live, its "lookaside" storage,
 * by the most specific {@code docker} namespace that names the image, else {@code default-docker}.
 * Read again at each pull that needs it, as the policy is.
 */
final class RegistriesDirectory {
  private static final int MAX_FILE_BYTES = 1 << 20;

  private final Map<String, URI> byNamespace;
  private final URI byDefault;

  private RegistriesDirectory(Map<String, URI> byNamespace, URI byDefault) {
    this.byNamespace = byNamespace;
    this.byDefault = byDefault;
  }

  /**
   * Reads the directory's {@code *.yaml} files; no directory is an empty configuration.
   * IllegalArgumentException names a file that cannot be used and why: a namespace two files
   * configure, a URL that is not one.
   */
  static RegistriesDirectory read(Path dir) throws IOException {
    Map<String, URI> byNamespace = new HashMap<>();
    URI byDefault = null;
    Path defaultFrom = null;
    Map<String, Path> namespaceFrom = new HashMap<>();
    List<Path> files;
    try (Stream<Path> listed = Files.list(dir)) {
      files =
          listed
              .filter(f -> f.getFileName().toString().endsWith(".yaml"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    } catch (NoSuchFileException | NotDirectoryException e) {
      return new RegistriesDirectory(Map.of(), null);
    }
    for (Path file : files) {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(file + " is larger than 1 MiB");
      }
      JsonValue root;
      try {
        root = YamlReader.read(Files.readString(file));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
      }
      if (root == null || root.isMissingNode() || root.isNull()) {
        continue;
      }
      if (!root.isObject()) {
        throw new IllegalArgumentException(file + " is not a YAML mapping");
      }
      JsonValue defaults = root.get("default-docker");
      if (defaults != null && !defaults.isNull()) {
        if (defaultFrom != null) {
          throw new IllegalArgumentException(
              "default-docker is configured in both " + defaultFrom + " and " + file);
        }
        defaultFrom = file;
        byDefault = lookaside(file, "default-docker", defaults);
      }
      JsonValue namespaces = root.path("docker");
      if (!namespaces.isMissingNode() && !namespaces.isNull() && !namespaces.isObject()) {
        throw new IllegalArgumentException(file + ": docker is not a mapping of namespaces");
      }
      for (var entry : namespaces.properties()) {
        Path earlier = namespaceFrom.putIfAbsent(entry.getKey(), file);
        if (earlier != null) {
          throw new IllegalArgumentException(
              "docker namespace "
                  + entry.getKey()
                  + " is configured in both "
                  + earlier
                  + " and "
                  + file);
        }
        URI url = lookaside(file, "docker." + entry.getKey(), entry.getValue());
        if (url != null) {
          byNamespace.put(entry.getKey(), url);
        }
      }
    }
    return new RegistriesDirectory(Map.copyOf(byNamespace), byDefault);
  }

  /**
   * A namespace's lookaside URL for reading ({@code lookaside}, or its old name {@code sigstore}).
   */
  private static URI lookaside(Path file, String where, JsonValue namespace) {
    if (!namespace.isObject()) {
      throw new IllegalArgumentException(file + ": " + where + " is not a mapping");
    }
    JsonValue lookaside = namespace.get("lookaside");
    JsonValue sigstore = namespace.get("sigstore");
    if (lookaside != null && sigstore != null) {
      throw new IllegalArgumentException(
          file + ": " + where + " sets both lookaside and its old name, sigstore");
    }
    JsonValue value = lookaside != null ? lookaside : sigstore;
    if (value == null || value.isNull() || value.asText().isEmpty()) {
      return null;
    }
    try {
      URI url = new URI(value.asText());
      String scheme = url.getScheme();
      if (scheme == null || !List.of("file", "http", "https").contains(scheme)) {
        throw new URISyntaxException(value.asText(), "not a file, http or https URL");
      }
      return url;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          file + ": " + where + " lookaside '" + value.asText() + "': " + e.getReason());
    }
  }

  /**
   * The lookaside storage of {@code ref}'s repository ({@code BASE/REPOSITORY}, the repository
   * without its registry), by the most specific namespace; empty when none is configured.
   */
  Optional<URI> lookasideFor(ImageReference ref) {
    URI base =
        SignaturePolicy.identityAndNamespaces(ref).stream()
            .map(byNamespace::get)
            .filter(u -> u != null)
            .findFirst()
            .orElse(byDefault);
    return base == null ? Optional.empty() : Optional.of(repositoryStorage(base, ref));
  }

  /** Where {@code ref}'s repository keeps its signatures under lookaside storage {@code base}. */
  static URI repositoryStorage(URI base, ImageReference ref) {
    String path = base.getPath() == null ? "" : base.getPath();
    return base.resolve(stripSlash(path) + "/" + ref.repository());
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /**
   * Where the {@code index}th (from 1) signature of a manifest lies under a repository's storage.
   */
  static URI signature(URI repositoryStorage, Digest manifest, int index) {
    return URI.create(
        repositoryStorage
            + "@"
            + manifest.algorithm()
            + "="
            + manifest.hex()
            + "/signature-"
            + index);
  }
}
