package io.caisson.image.ocicrypt;

import io.caisson.image.OpenPgp;
import io.caisson.image.PemFiles;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's image decryption keys: every private key (PEM, JWK, or an OpenPGP secret keyring as
 * {@code gpg --export-secret-keys} writes it) in the files under one directory (the "node" key
 * model of CRI-O and containerd: whoever may run pods on the node may run its encrypted images).
 * Read when a pull first meets an encrypted layer, so keys added or removed count from the next
 * pull on, without a restart. Files that hold no private key (certificates, public keys) are passed
 * over; keys that cannot be used (encrypted with a passphrase, unreadable) are named in the error
 * of a pull that found no key.
 */
public final class DecryptionKeys {
  private static final Logger log = LoggerFactory.getLogger(DecryptionKeys.class);
  private static final long MAX_FILE = 1 << 20;

  /** What the directory held, read once. */
  record Loaded(
      List<PrivateKey> privateKeys, List<OpenPgp.SecretKeys> pgpKeys, List<String> problems) {
    int count() {
      return privateKeys.size() + pgpKeys.size();
    }
  }

  private final Path dir;
  private Loaded loaded;

  private DecryptionKeys(Path dir) {
    this.dir = dir;
  }

  /** The keys under {@code dir}, read when first asked for; null: the node has none. */
  public static DecryptionKeys in(Path dir) {
    return new DecryptionKeys(dir);
  }

  synchronized Loaded loaded() {
    if (loaded == null) {
      loaded = dir == null ? new Loaded(List.of(), List.of(), List.of()) : load(dir);
    }
    return loaded;
  }

  /** What the directory holds, in a line, and what could not be used. */
  public record Summary(String text, List<String> problems) {}

  /** What the directory holds: for {@code caisson --check}. */
  public Summary summary() {
    if (dir == null) {
      return new Summary("none configured: encrypted layers are refused", List.of());
    }
    if (!Files.exists(dir)) {
      return new Summary("no such directory: encrypted layers are refused", List.of());
    }
    Loaded l = loaded();
    String text =
        "%d private keys and %d OpenPGP keyrings"
            .formatted(l.privateKeys().size(), l.pgpKeys().size());
    return l.problems().isEmpty()
        ? new Summary(text, List.of())
        : new Summary(text + "; " + String.join("; ", l.problems()), l.problems());
  }

  /** Where the keys were looked for and what was found, for an error message. */
  String describe() {
    if (dir == null) {
      return "no decryption_keys_path is configured";
    }
    Loaded l = loaded();
    String found =
        l.count() == 0
            ? dir + " holds no usable private key"
            : "none of the " + l.count() + " private keys in " + dir + " opens it";
    return l.problems().isEmpty() ? found : found + " (" + String.join("; ", l.problems()) + ")";
  }

  private static Loaded load(Path dir) {
    List<PrivateKey> keys = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files =
          walk.filter(p -> !hidden(dir.relativize(p)))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    } catch (NoSuchFileException e) {
      return new Loaded(List.of(), List.of(), List.of(dir + " does not exist"));
    } catch (IOException | java.io.UncheckedIOException e) {
      return new Loaded(
          List.of(), List.of(), List.of("cannot list " + dir + ": " + e.getMessage()));
    }
    List<OpenPgp.SecretKeys> pgpKeys = new ArrayList<>();
    for (Path file : files) {
      try {
        if (Files.size(file) > MAX_FILE) {
          problems.add(file + " is larger than 1 MiB");
          continue;
        }
        byte[] content = Files.readAllBytes(file);
        if (isOpenPgpSecretKeyring(content)) {
          pgpKeys.add(OpenPgp.get().secretKeys(content, file.toString()));
          continue;
        }
        PrivateKey key = privateKey(file, content);
        if (key != null) {
          keys.add(key);
        }
      } catch (IOException | UnwrapException e) {
        problems.add(e.getMessage());
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(e.getMessage()); // an OpenPGP keyring that cannot be used, or no library
      }
    }
    warnIfOthersCanRead(dir);
    log.info(
        "decryption keys: {} private keys and {} OpenPGP keyrings in {}",
        keys.size(),
        pgpKeys.size(),
        dir);
    for (String problem : problems) {
      log.warn("decryption keys: {}", problem);
    }
    return new Loaded(List.copyOf(keys), List.copyOf(pgpKeys), List.copyOf(problems));
  }

  /** Private keys others can read are no longer the node's alone: say so, and use them. */
  private static void warnIfOthersCanRead(Path dir) {
    try {
      var permissions = Files.getPosixFilePermissions(dir);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn(
            "decryption keys: {} can be listed by others than its owner ({}); make it 0700",
            dir,
            PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Listed above already; nothing to add.
    }
  }

  /**
   * Whether a file is an OpenPGP secret keyring, as {@code gpg --export-secret-keys} writes it:
   * armored, or binary starting with a secret-key packet (tag 5, in the old or the new format).
   */
  static boolean isOpenPgpSecretKeyring(byte[] content) {
    if (content.length == 0) {
      return false;
    }
    int first = content[0] & 0xff;
    boolean oldFormat = (first & 0xc0) == 0x80 && ((first >> 2) & 0x0f) == 5;
    return oldFormat
        || first == 0xc5
        || new String(content, StandardCharsets.ISO_8859_1)
            .contains("-----BEGIN PGP PRIVATE KEY BLOCK-----");
  }

  /** The private key a file holds, or null when it holds none (a certificate, a public key). */
  private static PrivateKey privateKey(Path file, byte[] content)
      throws IOException, UnwrapException {
    String text = new String(content, StandardCharsets.ISO_8859_1);
    if (text.strip().startsWith("{")) {
      JsonValue jwk;
      try {
        jwk = Json.parse(content);
      } catch (IOException e) {
        throw new IOException(file + " is not valid JSON: " + e.getMessage());
      }
      if (!jwk.has("d")) {
        return null; // a public JWK
      }
      try {
        return JsonWebKeys.privateKey(jwk);
      } catch (UnwrapException e) {
        throw new UnwrapException(file + ": " + e.getMessage());
      }
    }
    if (text.contains("-----BEGIN ") && text.contains("PRIVATE KEY-----")) {
      return PemFiles.privateKey(file);
    }
    return null;
  }

  /**
   * Whether any part of the path is hidden. A Kubernetes secret volume links each key to a file in
   * a hidden timestamped directory: read through the link, once.
   */
  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
