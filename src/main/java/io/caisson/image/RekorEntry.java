package io.caisson.image;

import io.caisson.json.JsonReader;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A Rekor transparency log's promise that it recorded a signature, as cosign attaches it to one
 * (the {@code dev.sigstore.cosign/bundle} annotation): a signed entry timestamp, Rekor's ECDSA
 * signature over the canonical JSON of the entry's body, time, index and log id. The body is a
 * {@code hashedrekord} naming the signature, the key or certificate it was made with and the
 * payload's SHA-256. All three must be this signature's, so a timestamp cannot be moved from one
 * signature to another. The bundle is read strictly, as containers/image reads it.
 */
final class RekorEntry {
  static final String BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";

  private RekorEntry() {}

  /**
   * When the log recorded the signature, once the bundle verifies with one of {@code logKeys} and
   * its entry names this signature, signer and payload.
   *
   * @param signer the DER of the public key (SubjectPublicKeyInfo) or certificate that signed
   */
  static Instant verify(
      List<PublicKey> logKeys, String bundle, byte[] signer, byte[] signature, byte[] payload)
      throws SignatureRejected {
    JsonValue root;
    try {
      root = JsonReader.strict().read(bundle);
    } catch (IOException e) {
      throw new SignatureRejected("a signature's Rekor bundle is not valid JSON");
    }
    exactly(root, "a signature's Rekor bundle", Set.of("SignedEntryTimestamp", "Payload"));
    byte[] timestamp = base64(root.get("SignedEntryTimestamp"), "SignedEntryTimestamp");
    byte[] signed;
    try {
      signed = CanonicalJson.of(root.get("Payload"));
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected(
          "a signature's Rekor entry cannot be put in canonical form: it has " + e.getMessage());
    }
    if (logKeys.stream().noneMatch(k -> SigstoreSigned.verifies(k, signed, timestamp))) {
      throw new SignatureRejected(
          "a signature's Rekor entry does not verify with the policy's Rekor "
              + (logKeys.size() == 1 ? "key" : logKeys.size() + " keys"));
    }
    // From here on the entry is Rekor's; what it says is read from the bytes that were verified.
    JsonValue entry;
    try {
      entry = JsonReader.strict().read(signed);
    } catch (IOException e) {
      throw new SignatureRejected("a signature's Rekor entry is not valid JSON");
    }
    exactly(
        entry, "a signature's Rekor entry", Set.of("body", "integratedTime", "logIndex", "logID"));
    if (!entry.get("integratedTime").canConvertToLong()
        || !entry.get("logIndex").canConvertToLong()
        || !entry.get("logID").isTextual()) {
      throw new SignatureRejected(
          "a signature's Rekor entry has a malformed time, index or log id");
    }
    JsonValue body;
    try {
      body = JsonReader.strict().read(base64(entry.get("body"), "body"));
    } catch (IOException e) {
      throw new SignatureRejected("a signature's Rekor entry body is not valid JSON");
    }
    matchRecord(body, signer, signature, payload);
    return Instant.ofEpochSecond(entry.get("integratedTime").longValue());
  }

  /** The hashedrekord must name exactly this signer, signature and payload. */
  private static void matchRecord(JsonValue body, byte[] signer, byte[] signature, byte[] payload)
      throws SignatureRejected {
    if (!body.path("kind").asText("").equals("hashedrekord")) {
      throw new SignatureRejected(
          "a signature's Rekor entry is a '"
              + body.path("kind").asText("")
              + "', not a hashedrekord");
    }
    if (!body.path("apiVersion").asText("").equals("0.0.1")) {
      throw new SignatureRejected(
          "a signature's Rekor entry is hashedrekord version '"
              + body.path("apiVersion").asText("")
              + "', not 0.0.1");
    }
    JsonValue spec = body.path("spec");
    byte[] recordedSigner;
    try {
      recordedSigner =
          PemFiles.onlyBlock(
              base64(spec.path("signature").path("publicKey").path("content"), "publicKey"),
              "the public key in a signature's Rekor entry");
    } catch (IOException e) {
      throw new SignatureRejected(e.getMessage());
    }
    if (!Arrays.equals(recordedSigner, signer)) {
      throw new SignatureRejected(
          "a signature's Rekor entry records another key or certificate than the one it was made"
              + " with");
    }
    if (!Arrays.equals(base64(spec.path("signature").path("content"), "signature"), signature)) {
      throw new SignatureRejected("a signature's Rekor entry records another signature");
    }
    JsonValue hash = spec.path("data").path("hash");
    if (!hash.path("algorithm").asText("").equals("sha256")) {
      throw new SignatureRejected(
          "a signature's Rekor entry hashes its payload with '"
              + hash.path("algorithm").asText("")
              + "', not sha256");
    }
    byte[] recordedHash;
    try {
      recordedHash = HexFormat.of().parseHex(hash.path("value").asText(""));
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected("a signature's Rekor entry has a payload hash that is not hex");
    }
    if (!HexFormat.of().formatHex(recordedHash).equals(Digest.sha256(payload).hex())) {
      throw new SignatureRejected("a signature's Rekor entry records another payload");
    }
  }

  private static void exactly(JsonValue node, String what, Set<String> fields)
      throws SignatureRejected {
    try {
      StrictJson.exactly(node, what, fields);
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected(e.getMessage());
    }
  }

  private static byte[] base64(JsonValue value, String field) throws SignatureRejected {
    if (!value.isTextual()) {
      throw new SignatureRejected("a signature's Rekor bundle has no \"" + field + "\" text");
    }
    try {
      return Base64.getDecoder().decode(value.textValue());
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected(
          "a signature's Rekor bundle has a \"" + field + "\" that is not base64");
    }
  }
}
