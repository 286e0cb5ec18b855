package io.caisson.image.ocicrypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.image.Digest;
import io.caisson.image.PemFiles;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers encrypted by Debian's skopeo (containers/ocicrypt) into OCI layouts on disk, with keys
 * made by openssl, opened the way a pull opens them.
 */
class EncryptedLayerTest {

  @TempDir static Path dir;
  static Digest plainDigest;
  static EncryptedLayer rsaAndEc;
  static byte[] rsaAndEcBlob;
  static EncryptedLayer jwkAlgorithms;
  static byte[] jwkAlgorithmsBlob;
  static EncryptedLayer pgpWrapped;
  static byte[] pgpWrappedBlob;
  static EncryptedLayer pkcs7Wrapped;
  static byte[] pkcs7WrappedBlob;

  @TempDir Path keys;

  @BeforeAll
  static void encryptWithSkopeo() throws Exception {
    openssl("genrsa", "-out", "rsa.pem", "2048");
    openssl("rsa", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem");
    openssl("ec", "-in", "ec.pem", "-pubout", "-out", "ec.pub");
    openssl("genrsa", "-out", "rsa256.pem", "2048");
    openssl("rsa", "-in", "rsa256.pem", "-pubout", "-out", "rsa256.pub");
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec384.pem");
    openssl("ec", "-in", "ec384.pem", "-pubout", "-out", "ec384.pub");
    openssl("genrsa", "-out", "stranger.pem", "2048");
    // A recipient's public key may be a JWK (Debian's skopeo wraps for it with RSA-OAEP whatever
    // its "alg" says, and takes no EC JWK); an EC key gets ECDH-ES+A256KW.
    Files.writeString(dir.resolve("rsa256.jwk"), publicJwk("rsa256.pub", "RSA-OAEP-256"));

    Files.createDirectories(dir.resolve("rootfs"));
    Files.writeString(dir.resolve("rootfs/hello"), "hello from an encrypted layer\n");
    run("umoci", "init", "--layout", "src");
    run("umoci", "new", "--image", "src:v1");
    run("umoci", "insert", "--image", "src:v1", "rootfs/hello", "/hello");
    plainDigest = Digest.parse(layer(dir.resolve("src")).path("digest").asText());

    skopeo("enc1", "jwe:rsa.pub", "jwe:ec.pub");
    rsaAndEc = encrypted(dir.resolve("enc1"));
    rsaAndEcBlob = blob(dir.resolve("enc1"), rsaAndEc.digest());
    skopeo("enc2", "jwe:rsa256.jwk", "jwe:ec384.pub");
    jwkAlgorithms = encrypted(dir.resolve("enc2"));
    jwkAlgorithmsBlob = blob(dir.resolve("enc2"), jwkAlgorithms.digest());

    // An X.509 recipient: the key's certificate.
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "x509.key",
        "-out",
        "x509.crt",
        "-subj",
        "/CN=caisson node",
        "-days",
        "2");
    skopeo("enc4", "pkcs7:x509.crt");
    pkcs7Wrapped = encrypted(dir.resolve("enc4"));
    pkcs7WrappedBlob = blob(dir.resolve("enc4"), pkcs7Wrapped.digest());

    // A GPG recipient: Debian's skopeo reads RSA keys only (its OpenPGP library has no ECC).
    Files.createDirectories(dir.resolve("gnupg"));
    Files.setPosixFilePermissions(
        dir.resolve("gnupg"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    gpgKey("node@caisson.invalid", null);
    gpgKey("locked@caisson.invalid", "secret");
    skopeo("enc3", "pgp:node@caisson.invalid");
    pgpWrapped = encrypted(dir.resolve("enc3"));
    pgpWrappedBlob = blob(dir.resolve("enc3"), pgpWrapped.digest());
    gpg("--output", "node.gpg", "--export-secret-keys", "node@caisson.invalid");
    gpg("--armor", "--output", "node.asc", "--export-secret-keys", "node@caisson.invalid");
    gpg(
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "secret",
        "--output",
        "locked.gpg",
        "--export-secret-keys",
        "locked@caisson.invalid");
  }

  @AfterAll
  static void stopGpgAgent() throws Exception {
    run("gpgconf", "--kill", "all");
  }

  @Test
  void theLayerOpensWithTheKeyOfEitherRecipient() throws Exception {
    assertThat(rsaAndEc.plainMediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    assertThat(decryptedDigest(rsaAndEc, rsaAndEcBlob, keysOf("rsa.pem"))).isEqualTo(plainDigest);
    assertThat(decryptedDigest(rsaAndEc, rsaAndEcBlob, keysOf("ec.pem"))).isEqualTo(plainDigest);
  }

  @Test
  void aP384KeyAndAKeyGivenAsJwkOpenItToo() throws Exception {
    assertThat(wrapAlgorithms(jwkAlgorithms))
        .containsExactlyInAnyOrder("RSA-OAEP", "ECDH-ES+A256KW");
    assertThat(decryptedDigest(jwkAlgorithms, jwkAlgorithmsBlob, keysOf("rsa256.pem")))
        .isEqualTo(plainDigest);
    assertThat(decryptedDigest(jwkAlgorithms, jwkAlgorithmsBlob, keysOf("ec384.pem")))
        .isEqualTo(plainDigest);
  }

  @Test
  void aLayerWrappedForAGpgKeyOpensWithItsExportedSecretKey() throws Exception {
    assertThat(pgpWrapped.annotations()).containsKey(EncryptedLayer.PGP);
    assertThat(decryptedDigest(pgpWrapped, pgpWrappedBlob, keysOf("node.gpg")))
        .isEqualTo(plainDigest);
    Files.delete(keys.resolve("node.gpg"));
    assertThat(decryptedDigest(pgpWrapped, pgpWrappedBlob, keysOf("node.asc")))
        .isEqualTo(plainDigest);
  }

  @Test
  void aGpgKeyOfAnotherRecipientOrUnderAPassphraseDoesNotOpenIt() throws Exception {
    assertThatThrownBy(() -> pgpWrapped.unwrap(keysOf("rsa.pem")))
        .hasMessageContaining("is encrypted (PGP) and none of the 1 private keys in " + keys);
    assertThatThrownBy(() -> pgpWrapped.unwrap(keysOf("locked.gpg")))
        .hasMessageContaining(keys.resolve("locked.gpg") + ": key ")
        .hasMessageContaining("is protected by a passphrase");
  }

  @Test
  void aLayerWrappedForAnX509CertificateOpensWithItsKey() throws Exception {
    assertThat(pkcs7Wrapped.annotations()).containsKey(EncryptedLayer.PKCS7);
    assertThatThrownBy(() -> pkcs7Wrapped.unwrap(keysOf("rsa.pem", "ec.pem")))
        .hasMessageContaining("is encrypted (PKCS7) and none of the 2 private keys in " + keys)
        .hasMessageContaining("PKCS7: RSA key: ");
    assertThat(decryptedDigest(pkcs7Wrapped, pkcs7WrappedBlob, keysOf("x509.key")))
        .isEqualTo(plainDigest);
    // The certificate and its key in one file, the certificate first.
    Files.delete(keys.resolve("x509.key"));
    Files.write(
        keys.resolve("x509-combined.pem"),
        (Files.readString(dir.resolve("x509.crt")) + Files.readString(dir.resolve("x509.key")))
            .getBytes(StandardCharsets.US_ASCII));
    assertThat(decryptedDigest(pkcs7Wrapped, pkcs7WrappedBlob, DecryptionKeys.in(keys)))
        .isEqualTo(plainDigest);
  }

  @Test
  void anEnvelopeOfAesCbcAsOpensslCmsWritesItOpensToo() throws Exception {
    Files.writeString(dir.resolve("options.json"), "{\"symkey\":\"...\"}");
    openssl(
        "cms",
        "-encrypt",
        "-aes-256-cbc",
        "-recip",
        "x509.crt",
        "-binary",
        "-outform",
        "DER",
        "-in",
        "options.json",
        "-out",
        "options.cms");
    byte[] envelope = Files.readAllBytes(dir.resolve("options.cms"));
    assertThat(Pkcs7Envelope.open(envelope, List.of(PemFiles.privateKey(dir.resolve("x509.key")))))
        .isEqualTo(Files.readAllBytes(dir.resolve("options.json")));
    assertThatThrownBy(
            () ->
                Pkcs7Envelope.open(envelope, List.of(PemFiles.privateKey(dir.resolve("rsa.pem")))))
        .isInstanceOf(UnwrapException.class)
        .hasMessageStartingWith("RSA key: ");
  }

  @Test
  void aPrivateKeyMayBeAJwkAndOtherFilesArePassedOver() throws Exception {
    ECPrivateKey ec = (ECPrivateKey) PemFiles.privateKey(dir.resolve("ec.pem"));
    ECPublicKey pub = (ECPublicKey) publicKey("ec.pub");
    JsonObject jwk = new JsonObject();
    jwk.put("kty", "EC").put("crv", "P-256");
    jwk.put("x", b64url(pub.getW().getAffineX(), 32)).put("y", b64url(pub.getW().getAffineY(), 32));
    jwk.put("d", b64url(ec.getS(), 32));
    Files.writeString(keys.resolve("node.jwk"), jwk.toString());
    Files.copy(dir.resolve("rsa.pub"), keys.resolve("rsa.pub"));
    Files.writeString(keys.resolve("README"), "the node's keys\n");
    DecryptionKeys found = DecryptionKeys.in(keys);
    assertThat(found.loaded().privateKeys()).hasSize(1);
    assertThat(found.loaded().problems()).isEmpty();
    assertThat(decryptedDigest(rsaAndEc, rsaAndEcBlob, found)).isEqualTo(plainDigest);
  }

  @Test
  void keysInAKubernetesSecretVolumeAreReadOnceThroughTheirLinks() throws Exception {
    Path data = Files.createDirectories(keys.resolve("..2026_11_25_06_00_00.1"));
    Files.copy(dir.resolve("rsa.pem"), data.resolve("key.pem"));
    Files.createSymbolicLink(keys.resolve("..data"), data.getFileName());
    Files.createSymbolicLink(keys.resolve("key.pem"), Path.of("..data/key.pem"));
    assertThat(DecryptionKeys.in(keys).loaded().privateKeys()).hasSize(1);
  }

  @Test
  void noKeyOfTheNodeOpensItAndTheErrorSaysWhereItLooked() throws Exception {
    assertThatThrownBy(() -> rsaAndEc.unwrap(DecryptionKeys.in(null)))
        .hasMessageContaining("no decryption_keys_path is configured");
    assertThatThrownBy(() -> rsaAndEc.unwrap(DecryptionKeys.in(keys.resolve("absent"))))
        .hasMessageContaining(keys.resolve("absent") + " does not exist");
    assertThatThrownBy(() -> rsaAndEc.unwrap(DecryptionKeys.in(keys)))
        .hasMessageContaining(keys + " holds no usable private key");
    assertThatThrownBy(() -> rsaAndEc.unwrap(keysOf("stranger.pem")))
        .isInstanceOf(LayerDecryptionException.class)
        .hasMessageContaining("layer " + rsaAndEc.digest() + " is encrypted (JWE)")
        .hasMessageContaining("none of the 1 private keys in " + keys + " opens it");
    openssl(
        "rsa",
        "-in",
        "rsa.pem",
        "-aes256",
        "-passout",
        "pass:secret",
        "-traditional",
        "-out",
        keys.resolve("locked.pem").toString());
    assertThatThrownBy(() -> rsaAndEc.unwrap(DecryptionKeys.in(keys)))
        .hasMessageContaining(keys.resolve("locked.pem") + " is encrypted");
  }

  @Test
  void schemesOtherThanJweAreNamed() {
    EncryptedLayer pkcs11 =
        new EncryptedLayer(
            rsaAndEc.digest(),
            rsaAndEc.mediaType(),
            Map.of("org.opencontainers.image.enc.keys.pkcs11", "AAAA"));
    assertThatThrownBy(() -> pkcs11.unwrap(DecryptionKeys.in(keys)))
        .hasMessageContaining("is encrypted for PKCS11 recipients only");
  }

  @Test
  void aChangedByteOrAChangedHmacFailsAtTheEnd() throws Exception {
    byte[] tampered = rsaAndEcBlob.clone();
    tampered[tampered.length / 2] ^= 1;
    LayerKey key = rsaAndEc.unwrap(keysOf("rsa.pem"));
    assertThatThrownBy(() -> key.decrypting(new ByteArrayInputStream(tampered)).readAllBytes())
        .isInstanceOf(LayerDecryptionException.class)
        .hasMessageContaining("does not match the HMAC");

    Map<String, String> annotations = new HashMap<>(rsaAndEc.annotations());
    JsonObject pub =
        (JsonObject)
            Json.parse(Base64.getDecoder().decode(annotations.get(EncryptedLayer.PUBLIC_OPTIONS)));
    pub.put("hmac", Base64.getEncoder().encodeToString(new byte[32]));
    annotations.put(
        EncryptedLayer.PUBLIC_OPTIONS,
        Base64.getEncoder().encodeToString(pub.toString().getBytes(StandardCharsets.UTF_8)));
    LayerKey wrongHmac =
        new EncryptedLayer(rsaAndEc.digest(), rsaAndEc.mediaType(), annotations)
            .unwrap(keysOf("rsa.pem"));
    assertThatThrownBy(
            () -> wrongHmac.decrypting(new ByteArrayInputStream(rsaAndEcBlob)).readAllBytes())
        .hasMessageContaining("does not match the HMAC");
  }

  /**
   * The wrapped keys come from the registry: mutated ones (seeded, {@code -Dfuzz.seed=N} replays)
   * give a key or a LayerDecryptionException, never another exception.
   */
  @Test
  void mutatedWrappedKeysAreRefusedCleanly() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    java.util.Random random = new java.util.Random(seed);
    DecryptionKeys all = keysOf("rsa.pem", "ec.pem", "x509.key", "node.gpg");
    for (var target :
        List.of(
            Map.entry(rsaAndEc, EncryptedLayer.JWE),
            Map.entry(pkcs7Wrapped, EncryptedLayer.PKCS7),
            Map.entry(pgpWrapped, EncryptedLayer.PGP))) {
      byte[] wrapped =
          Base64.getDecoder().decode(target.getKey().annotations().get(target.getValue()));
      for (int i = 0; i < 150; i++) {
        byte[] mutated = mutate(wrapped, random);
        Map<String, String> annotations = new HashMap<>(target.getKey().annotations());
        annotations.put(target.getValue(), Base64.getEncoder().encodeToString(mutated));
        EncryptedLayer layer =
            new EncryptedLayer(target.getKey().digest(), target.getKey().mediaType(), annotations);
        try {
          layer.unwrap(all);
        } catch (LayerDecryptionException expected) {
          // A clear refusal.
        } catch (RuntimeException e) {
          throw new AssertionError(
              target.getValue() + " mutation " + i + " (seed " + seed + ") threw " + e, e);
        }
      }
    }
  }

  private static byte[] mutate(byte[] original, java.util.Random random) {
    byte[] out = original.clone();
    switch (random.nextInt(3)) {
      case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
      default -> {
        for (int n = random.nextInt(8) + 1; n > 0; n--) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
      }
    }
    return out;
  }

  @Test
  void onlyEncryptedMediaTypesAreEncryptedLayers() {
    assertThat(
            EncryptedLayer.of(plainDigest, "application/vnd.oci.image.layer.v1.tar+gzip", Map.of()))
        .isEmpty();
    assertThat(
            EncryptedLayer.of(
                    plainDigest, "application/vnd.oci.image.layer.v1.tar+zstd+encrypted", Map.of())
                .orElseThrow()
                .plainMediaType())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+zstd");
  }

  private DecryptionKeys keysOf(String... files) throws Exception {
    for (String f : files) {
      Files.copy(dir.resolve(f), keys.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    return DecryptionKeys.in(keys);
  }

  private static Digest decryptedDigest(EncryptedLayer layer, byte[] blob, DecryptionKeys keys)
      throws Exception {
    LayerKey key = layer.unwrap(keys);
    try (InputStream in = key.decrypting(new ByteArrayInputStream(blob))) {
      return Digest.sha256(in.readAllBytes());
    }
  }

  private static List<String> wrapAlgorithms(EncryptedLayer layer) throws Exception {
    List<String> algs = new ArrayList<>();
    for (String one : layer.annotations().get(EncryptedLayer.JWE).split(",")) {
      for (Jwe.Recipient r : Jwe.parse(Base64.getDecoder().decode(one)).recipients()) {
        algs.add(r.header().path("alg").asText());
      }
    }
    return algs;
  }

  private static void skopeo(String to, String... keys) throws Exception {
    List<String> argv = new ArrayList<>(List.of("skopeo", "copy", "--quiet"));
    for (String k : keys) {
      argv.add("--encryption-key");
      argv.add(k);
    }
    argv.addAll(List.of("oci:src:v1", "oci:" + to + ":v1"));
    run(argv.toArray(String[]::new));
  }

  private static JsonValue layer(Path layout) throws Exception {
    JsonValue index = Json.parse(layout.resolve("index.json"));
    Digest manifest = Digest.parse(index.path("manifests").get(0).path("digest").asText());
    return Json.parse(blob(layout, manifest)).path("layers").get(0);
  }

  private static EncryptedLayer encrypted(Path layout) throws Exception {
    JsonValue desc = layer(layout);
    Map<String, String> annotations = new HashMap<>();
    desc.path("annotations")
        .properties()
        .forEach(a -> annotations.put(a.getKey(), a.getValue().asText()));
    return EncryptedLayer.of(
            Digest.parse(desc.path("digest").asText()),
            desc.path("mediaType").asText(),
            annotations)
        .orElseThrow();
  }

  private static byte[] blob(Path layout, Digest digest) throws Exception {
    return Files.readAllBytes(
        layout.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex()));
  }

  private static java.security.PublicKey publicKey(String file) throws Exception {
    String pem = Files.readString(dir.resolve(file));
    byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    String algorithm = file.startsWith("rsa") ? "RSA" : "EC";
    return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
  }

  private static String publicJwk(String file, String alg) throws Exception {
    RSAPublicKey rsa = (RSAPublicKey) publicKey(file);
    JsonObject jwk = new JsonObject();
    jwk.put("kty", "RSA").put("alg", alg);
    jwk.put("n", b64url(rsa.getModulus(), 256)).put("e", b64url(rsa.getPublicExponent(), 3));
    return jwk.toString();
  }

  /** A big-endian unsigned integer in exactly {@code bytes} bytes, base64url, as JWKs hold them. */
  private static String b64url(BigInteger value, int bytes) {
    String hex = value.toString(16);
    hex = "0".repeat(bytes * 2 - hex.length()) + hex;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(HexFormat.of().parseHex(hex));
  }

  private static void openssl(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    run(argv.toArray(String[]::new));
  }

  /** A GPG key pair, RSA for signing with an RSA encryption subkey, as {@code gpg --gen-key}. */
  private static void gpgKey(String email, String passphrase) throws Exception {
    Path params = dir.resolve("gpg-" + email);
    Files.writeString(
        params,
        String.join(
            "\n",
            passphrase == null ? "%no-protection" : "%echo a key under a passphrase",
            "Key-Type: RSA",
            "Key-Length: 2048",
            "Key-Usage: sign",
            "Subkey-Type: RSA",
            "Subkey-Length: 2048",
            "Subkey-Usage: encrypt",
            "Name-Real: Caisson test",
            "Name-Email: " + email,
            "Expire-Date: 0",
            passphrase == null ? "" : "Passphrase: " + passphrase,
            "%commit",
            ""));
    gpg("--gen-key", params.toString());
  }

  private static void gpg(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("gpg", "--batch", "--quiet", "--yes"));
    argv.addAll(List.of(args));
    run(argv.toArray(String[]::new));
  }

  /** Runs a tool in the test's directory, with its own GnuPG home; stdin is empty. */
  private static void run(String... argv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("GNUPGHOME", dir.resolve("gnupg").toString());
    Process p =
        pb.directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + said).isZero();
  }
}
