package io.caisson.image;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Signs manifests as cosign does, with a key made for the test, and pushes the signatures. */
record SigstoreSigner(KeyPair keys, String algorithm) {
  static SigstoreSigner ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return new SigstoreSigner(g.generateKeyPair(), "SHA256withECDSA");
  }

  static SigstoreSigner rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return new SigstoreSigner(g.generateKeyPair(), "SHA256withRSA");
  }

  static SigstoreSigner ed25519() throws Exception {
    return new SigstoreSigner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "Ed25519");
  }

  String publicKeyPem() {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(keys.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** The simple-signing payload cosign writes for {@code reference} at {@code digest}. */
  static byte[] payload(String reference, Digest digest) {
    return ("{\"critical\":{\"identity\":{\"docker-reference\":\"%s\"},"
            + "\"image\":{\"docker-manifest-digest\":\"%s\"},"
            + "\"type\":\"cosign container image signature\"},\"optional\":null}")
        .formatted(reference, digest)
        .getBytes(StandardCharsets.UTF_8);
  }

  String sign(byte[] payload) throws Exception {
    Signature s = Signature.getInstance(algorithm);
    s.initSign(keys.getPrivate());
    s.update(payload);
    return Base64.getEncoder().encodeToString(s.sign());
  }

  SigstoreAttachments.Signature signature(byte[] payload) throws Exception {
    return new SigstoreAttachments.Signature(
        SigstoreAttachments.SIGNATURE_MEDIA_TYPE,
        payload,
        Map.of(SigstoreAttachments.SIGNATURE_ANNOTATION, sign(payload)));
  }

  /**
   * Pushes a signature of {@code manifest} naming {@code reference} to {@code repo}, under the tag
   * cosign uses.
   */
  void push(TestImages.Pusher pusher, String repo, Digest manifest, String reference)
      throws Exception {
    pushSignatures(pusher, repo, manifest, List.of(signature(payload(reference, manifest))));
  }

  /**
   * Pushes {@code signatures} of {@code manifest} to {@code repo} as cosign attaches them: one
   * layer each, its annotations the signature's.
   */
  static void pushSignatures(
      TestImages.Pusher pusher,
      String repo,
      Digest manifest,
      List<SigstoreAttachments.Signature> signatures)
      throws Exception {
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    pusher.blob(repo, config, Digest.sha256(config));
    JsonObject m = new JsonObject();
    m.put("schemaVersion", 2).put("mediaType", Manifests.OCI_MANIFEST);
    m.putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", Digest.sha256(config).toString())
        .put("size", config.length);
    JsonArray layers = m.putArray("layers");
    for (SigstoreAttachments.Signature s : signatures) {
      Digest payloadDigest = Digest.sha256(s.payload());
      pusher.blob(repo, s.payload(), payloadDigest);
      JsonObject annotations =
          layers
              .addObject()
              .put("mediaType", s.mediaType())
              .put("digest", payloadDigest.toString())
              .put("size", s.payload().length)
              .putObject("annotations");
      s.annotations().forEach(annotations::put);
    }
    pusher.manifest(
        repo,
        manifest.algorithm() + "-" + manifest.hex() + ".sig",
        JsonRecords.STANDARD.bytes(m),
        Manifests.OCI_MANIFEST);
  }
}
