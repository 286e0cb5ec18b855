package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys in every format openssl writes, each checked against a certificate made from it. */
class PemFilesTest {
  @TempDir Path dir;

  private void openssl(String... args) throws Exception {
    OpenSsl.run(dir, List.of(args));
  }

  /** Signs with the key read from {@code key} and verifies with its self-signed certificate. */
  private void assertPair(String key, String expectedHeader, String signatureAlgorithm)
      throws Exception {
    assertThat(Files.readString(dir.resolve(key))).startsWith("-----BEGIN " + expectedHeader);
    openssl("req", "-x509", "-key", key, "-out", key + ".crt", "-subj", "/CN=t", "-days", "1");
    PrivateKey privateKey = PemFiles.privateKey(dir.resolve(key));
    X509Certificate cert = PemFiles.certificates(dir.resolve(key + ".crt")).getFirst();
    byte[] message = "registry".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(signatureAlgorithm);
    signer.initSign(privateKey);
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(signatureAlgorithm);
    verifier.initVerify(cert.getPublicKey());
    verifier.update(message);
    assertThat(verifier.verify(signature)).as(key).isTrue();
  }

  @Test
  void rsaKeysInPkcs1AndPkcs8() throws Exception {
    openssl("genrsa", "-traditional", "-out", "rsa1.key", "2048");
    assertPair("rsa1.key", "RSA PRIVATE KEY", "SHA256withRSA");
    openssl("genpkey", "-algorithm", "RSA", "-out", "rsa8.key");
    assertPair("rsa8.key", "PRIVATE KEY", "SHA256withRSA");
  }

  @Test
  void ecKeysInSec1AndPkcs8() throws Exception {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec1.key");
    assertPair("ec1.key", "EC PRIVATE KEY", "SHA256withECDSA");
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec384.key");
    assertPair("ec384.key", "EC PRIVATE KEY", "SHA384withECDSA");
    openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec8.key");
    assertPair("ec8.key", "PRIVATE KEY", "SHA256withECDSA");
  }

  @Test
  void ed25519Keys() throws Exception {
    openssl("genpkey", "-algorithm", "ed25519", "-out", "ed.key");
    assertPair("ed.key", "PRIVATE KEY", "Ed25519");
  }

  @Test
  void whatIsNotAnUnencryptedKeyIsRefusedByName() throws Exception {
    openssl("genpkey", "-algorithm", "RSA", "-aes256", "-pass", "pass:x", "-out", "enc.key");
    assertThatThrownBy(() -> PemFiles.privateKey(dir.resolve("enc.key")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("enc.key")
        .hasMessageContaining("encrypted");
    openssl("genpkey", "-algorithm", "RSA", "-out", "k.key");
    openssl("req", "-x509", "-key", "k.key", "-out", "k.crt", "-subj", "/CN=t", "-days", "1");
    assertThatThrownBy(() -> PemFiles.privateKey(dir.resolve("k.crt")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("CERTIFICATE");
    Files.writeString(dir.resolve("empty.crt"), "nothing here\n");
    assertThatThrownBy(() -> PemFiles.certificates(dir.resolve("empty.crt")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("empty.crt");
  }
}
