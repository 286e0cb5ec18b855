package io.caisson.image;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate authority made with Debian's openssl for a test, as Fulcio or an operator's own PKI
 * would be: a root, an intermediate under it, and code-signing certificates the intermediate
 * issues.
 */
record TestPki(Path dir) {
  /** A certificate the intermediate issued, with a signer holding its private key. */
  record Issued(String certificatePem, SigstoreSigner signer) {}

  static TestPki create(Path dir) throws Exception {
    Files.createDirectories(dir);
    openssl(
        dir,
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key"
            + " -out root.crt -subj /CN=test-signing-root -days 30");
    Files.writeString(
        dir.resolve("intermediate.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
            + "extendedKeyUsage=codeSigning\n");
    openssl(
        dir,
        "req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout intermediate.key"
            + " -out intermediate.csr -subj /CN=test-signing-intermediate");
    openssl(
        dir,
        "x509 -req -in intermediate.csr -CA root.crt -CAkey root.key -CAcreateserial"
            + " -out intermediate.crt -days 30 -extfile intermediate.ext");
    return new TestPki(dir);
  }

  /** Runs openssl with {@code args} split at spaces (none of this helper's has one inside). */
  private static void openssl(Path dir, String args) throws Exception {
    OpenSsl.run(dir, List.of(args.split(" ")));
  }

  Path root() {
    return dir.resolve("root.crt");
  }

  Path intermediate() {
    return dir.resolve("intermediate.crt");
  }

  /** The intermediate and the root, as cosign attaches a certificate's chain. */
  String chainPem() throws Exception {
    return Files.readString(intermediate()) + Files.readString(root());
  }

  /**
   * A certificate for a fresh P-256 key, valid for {@code days} from now, with these extension
   * lines (openssl's x509v3_config syntax).
   */
  Issued issue(String name, int days, String... extensions) throws Exception {
    Files.writeString(dir.resolve(name + ".ext"), String.join("\n", extensions) + "\n");
    openssl(dir, "ecparam -name prime256v1 -genkey -noout -out " + name + ".key");
    openssl(dir, "req -new -key %1$s.key -out %1$s.csr -subj /O=%1$s".formatted(name));
    openssl(
        dir,
        ("x509 -req -in %1$s.csr -CA intermediate.crt -CAkey intermediate.key -CAcreateserial"
                + " -out %1$s.crt -days %2$d -extfile %1$s.ext")
            .formatted(name, days));
    String pem = Files.readString(dir.resolve(name + ".crt"));
    X509Certificate cert =
        PemFiles.certificates(pem.getBytes(StandardCharsets.US_ASCII), name).getFirst();
    KeyPair keys =
        new KeyPair(cert.getPublicKey(), PemFiles.privateKey(dir.resolve(name + ".key")));
    return new Issued(pem, new SigstoreSigner(keys, "SHA256withECDSA"));
  }
}
