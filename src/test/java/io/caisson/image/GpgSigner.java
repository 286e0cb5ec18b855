package io.caisson.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A GnuPG key of a test's own, and skopeo signing with it as {@code skopeo copy --sign-by} does:
 * the real tools whose signatures Caisson must accept. {@link #close()} stops the gpg-agent the key
 * needed.
 */
final class GpgSigner implements AutoCloseable {
  private final Path home;
  private final String fingerprint;

  private GpgSigner(Path home, String fingerprint) {
    this.home = home;
    this.fingerprint = fingerprint;
  }

  /** A new Ed25519 signing key in a GnuPG home of its own under {@code dir}. */
  static GpgSigner create(Path dir, String email) throws Exception {
    Path home = Files.createDirectories(dir.resolve("gnupg-" + email.replaceAll("\\W", "")));
    Files.setPosixFilePermissions(
        home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    run(
        home,
        "gpg",
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--quiet",
        "--quick-gen-key",
        "Caisson IT <" + email + ">",
        "ed25519",
        "sign",
        "never");
    String listing = run(home, "gpg", "--batch", "--with-colons", "--list-keys", email);
    String fingerprint =
        listing
            .lines()
            .filter(l -> l.startsWith("fpr:"))
            .map(l -> l.split(":")[9])
            .findFirst()
            .orElseThrow();
    return new GpgSigner(home, fingerprint);
  }

  /** The public key, as {@code gpg --export} writes it (a binary keyring). */
  Path exportPublicKey(Path file) throws Exception {
    run(home, "gpg", "--batch", "--yes", "--output", file.toString(), "--export", fingerprint);
    return file;
  }

  /** A signature of {@code manifest} naming {@code reference}, by skopeo standalone-sign. */
  byte[] sign(byte[] manifest, String reference) throws Exception {
    Path manifestFile = Files.write(home.resolve("manifest.json"), manifest);
    Path signature = home.resolve("signature");
    Files.deleteIfExists(signature);
    run(
        home,
        "skopeo",
        "standalone-sign",
        manifestFile.toString(),
        reference,
        fingerprint,
        "-o",
        signature.toString());
    return Files.readAllBytes(signature);
  }

  private static String run(Path home, String... argv) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of(argv)).redirectErrorStream(true);
    pb.environment().put("GNUPGHOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", argv) + " failed: " + out);
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    run(home, "gpgconf", "--kill", "all");
  }
}
