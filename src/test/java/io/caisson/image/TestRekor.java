package io.caisson.image;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A Rekor log's signing key made for a test, and the bundles cosign attaches to a signature that
 * the log recorded: a hashedrekord entry signed over its canonical JSON.
 */
record TestRekor(KeyPair keys) {
  static TestRekor create() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return new TestRekor(g.generateKeyPair());
  }

  String publicKeyPem() {
    return new SigstoreSigner(keys, "SHA256withECDSA").publicKeyPem();
  }

  /**
   * The bundle for a signature made with the key or certificate {@code signerPem} over {@code
   * payload}, recorded at {@code integratedTime} (seconds since the epoch).
   */
  String bundle(String signerPem, String base64Signature, byte[] payload, long integratedTime)
      throws Exception {
    String body =
        ("{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":{\"hash\":"
                + "{\"algorithm\":\"sha256\",\"value\":\"%s\"}},\"signature\":{\"content\":\"%s\","
                + "\"publicKey\":{\"content\":\"%s\"}}}}")
            .formatted(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload)),
                base64Signature,
                b64(signerPem.getBytes(StandardCharsets.US_ASCII)));
    String logId = "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d";
    // What Rekor signs: the entry in canonical form, members sorted, no whitespace.
    String canonical =
        "{\"body\":\"%s\",\"integratedTime\":%d,\"logID\":\"%s\",\"logIndex\":7}"
            .formatted(b64(body.getBytes(StandardCharsets.UTF_8)), integratedTime, logId);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(keys.getPrivate());
    s.update(canonical.getBytes(StandardCharsets.UTF_8));
    // The bundle carries the entry in another order and spacing, as cosign's encoder writes it.
    return ("{\"SignedEntryTimestamp\":\"%s\",\"Payload\":{\"logIndex\": 7, \"logID\": \"%s\","
            + " \"integratedTime\": %d, \"body\": \"%s\"}}")
        .formatted(
            b64(s.sign()), logId, integratedTime, b64(body.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A signature as cosign's keyless signing leaves it: made with {@code cert}'s key, with the
   * certificate, its chain (none when null) and this log's bundle recorded at {@code recorded}.
   */
  SigstoreAttachments.Signature keyless(
      TestPki.Issued cert, String chainPem, byte[] payload, Instant recorded) throws Exception {
    String signature = cert.signer().sign(payload);
    Map<String, String> annotations = new HashMap<>();
    annotations.put(SigstoreAttachments.SIGNATURE_ANNOTATION, signature);
    annotations.put(SigningCertificate.CERTIFICATE_ANNOTATION, cert.certificatePem());
    if (chainPem != null) {
      annotations.put(SigningCertificate.CHAIN_ANNOTATION, chainPem);
    }
    annotations.put(
        RekorEntry.BUNDLE_ANNOTATION,
        bundle(cert.certificatePem(), signature, payload, recorded.getEpochSecond()));
    return new SigstoreAttachments.Signature(
        SigstoreAttachments.SIGNATURE_MEDIA_TYPE, payload, Map.copyOf(annotations));
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
