package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the GPG signatures of a manifest from the image's lookaside storage, as registries.d names
 * it: {@code signature-1}, {@code signature-2}, ... under {@code BASE/REPOSITORY@ALGORITHM=HEX/},
 * until one is missing. From a {@code file:} directory, or a web server over http or https (the
 * node's CAs and proxies, as registries get; a few redirects are followed). Images registries.d
 * names no storage for have theirs in containers/image's default directory.
 */
final class Lookaside {
  /** More than any image has: a storage listing without end must not hold a pull for ever. */
  static final int MAX_SIGNATURES = 64;

  private static final int MAX_REDIRECTS = 5;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Where containers/image looks when registries.d names no storage for an image (root's default;
   * {@code skopeo copy --sign-by} to a local destination writes there too).
   */
  static final URI BUILTIN_DEFAULT = URI.create("file:///var/lib/containers/sigstore");

  private final Path registriesDir;
  private final URI defaultStorage;
  private final Function<URI, HttpClient> clients;

  /**
   * @param registriesDir the registries.d directory; null for none
   * @param defaultStorage the storage of images registries.d names none for
   * @param clients the HTTP client for a URL's scheme and host
   */
  Lookaside(Path registriesDir, URI defaultStorage, Function<URI, HttpClient> clients) {
    this.registriesDir = registriesDir;
    this.defaultStorage = defaultStorage;
    this.clients = clients;
  }

  /** What was found, and where it was looked for ("in lookaside URL", for messages). */
  record Found(List<byte[]> signatures, String where) {}

  /**
   * The signatures of {@code manifest} for {@code ref} (the name as kubelet gave it, whose
   * namespace registries.d configures); FAILED_PRECONDITION when registries.d cannot be read,
   * UNAVAILABLE when its storage cannot be reached.
   */
  Found signatures(ImageReference ref, Digest manifest) {
    Optional<URI> storage;
    try {
      storage =
          registriesDir == null
              ? Optional.empty()
              : RegistriesDirectory.read(registriesDir).lookasideFor(ref);
    } catch (IOException | IllegalArgumentException e) {
      throw CaissonException.precondition(
          "the registries.d configuration %s cannot be used: %s", registriesDir, e.getMessage());
    }
    URI base = storage.orElseGet(() -> RegistriesDirectory.repositoryStorage(defaultStorage, ref));
    String where =
        "in lookaside "
            + base
            + (storage.isPresent()
                ? ""
                : registriesDir == null
                    ? " (the default: no registries.d directory is configured)"
                    : " (the default: " + registriesDir + " names none for " + ref.name() + ")");
    List<byte[]> signatures = new ArrayList<>();
    for (int i = 1; i <= MAX_SIGNATURES; i++) {
      byte[] signature = read(RegistriesDirectory.signature(base, manifest, i));
      if (signature == null) {
        break;
      }
      signatures.add(signature);
    }
    return new Found(List.copyOf(signatures), where);
  }

  /** One signature, or null when there is none at {@code url}. */
  private byte[] read(URI url) {
    if (url.getScheme().equals("file")) {
      Path file = Path.of(url);
      try {
        if (Files.size(file) > OpenPgp.MAX_BYTES) {
          throw CaissonException.precondition(
              "signature %s is larger than %d MiB", file, OpenPgp.MAX_BYTES >> 20);
        }
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        return null;
      } catch (IOException e) {
        throw CaissonException.precondition("signature %s cannot be read: %s", file, e);
      }
    }
    URI at = url;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpResponse<InputStream> response;
      try {
        response =
            clients
                .apply(at)
                .send(
                    HttpRequest.newBuilder(at).timeout(REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw RegistrySession.transferFailure("signature " + RegistrySession.redact(at), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CaissonException(Kind.UNAVAILABLE, "interrupted reading signature " + at, e);
      }
      int status = response.statusCode();
      try (InputStream body = response.body()) {
        if (status == 404) {
          return null;
        }
        if (status >= 300 && status < 400) {
          Optional<String> location = response.headers().firstValue("Location");
          if (location.isEmpty()) {
            break;
          }
          at = at.resolve(location.get());
          if (!List.of("http", "https").contains(at.getScheme())) {
            throw CaissonException.precondition(
                "signature %s redirects to %s, not a web address", RegistrySession.redact(url), at);
          }
          continue;
        }
        if (status != 200) {
          throw new CaissonException(
              Kind.UNAVAILABLE,
              "signature " + RegistrySession.redact(at) + ": the server answered " + status);
        }
        byte[] signature = body.readNBytes(OpenPgp.MAX_BYTES + 1);
        if (signature.length > OpenPgp.MAX_BYTES) {
          throw CaissonException.precondition(
              "signature %s is larger than %d MiB",
              RegistrySession.redact(at), OpenPgp.MAX_BYTES >> 20);
        }
        return signature;
      } catch (IOException e) {
        throw RegistrySession.transferFailure("signature " + RegistrySession.redact(at), e);
      }
    }
    throw new CaissonException(
        Kind.UNAVAILABLE, "signature " + RegistrySession.redact(url) + ": too many redirects");
  }
}
