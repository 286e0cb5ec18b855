package io.caisson.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A trust policy's {@code sigstoreSigned} requirement with public keys: some sigstore signature of
 * the image's manifest must verify with one of the keys and name the image as its {@code
 * signedIdentity} allows. Keys named by path are read at each pull, so a rotated key applies to the
 * next pull as an edited policy does.
 */
record SigstoreSigned(List<PolicyKey> keys, SignedIdentity identity) {
  private static final Set<String> FIELDS =
      Set.of(
          "type",
          "keyPath",
          "keyPaths",
          "keyData",
          "keyDatas",
          "fulcio",
          "pki",
          "rekorPublicKeyPath",
          "rekorPublicKeyPaths",
          "rekorPublicKeyData",
          "rekorPublicKeyDatas",
          "signedIdentity");

  /**
   * Reads the requirement. Trust roots Caisson cannot check (Fulcio certificates, a PKI, Rekor
   * timestamps) give a reason to refuse instead; a malformed requirement is an
   * IllegalArgumentException.
   */
  static SignaturePolicy.Requirement parse(String where, JsonNode node) {
    for (var property : node.properties()) {
      String name = property.getKey();
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException(where + ": sigstoreSigned has no field '" + name + "'");
      }
    }
    List<String> sources =
        List.of("keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki").stream()
            .filter(node::has)
            .toList();
    if (sources.size() != 1) {
      throw new IllegalArgumentException(
          where
              + ": sigstoreSigned needs exactly one of keyPath, keyPaths, keyData, keyDatas,"
              + " fulcio and pki; it has "
              + (sources.isEmpty() ? "none" : String.join(", ", sources)));
    }
    SignedIdentity identity = SignedIdentity.parse(where, node.get("signedIdentity"));
    String source = sources.getFirst();
    if (source.equals("fulcio") || source.equals("pki")) {
      return new SignaturePolicy.Requirement.Unverifiable(
          "sigstoreSigned with " + source + " certificates, which Caisson does not verify");
    }
    if (node.properties().stream().anyMatch(e -> e.getKey().startsWith("rekor"))) {
      return new SignaturePolicy.Requirement.Unverifiable(
          "sigstoreSigned with a Rekor public key, whose timestamps Caisson does not verify");
    }
    List<PolicyKey> keys = PolicyKey.parse(where, "sigstoreSigned", source, node.get(source));
    return new SignaturePolicy.Requirement.Sigstore(new SigstoreSigned(keys, identity));
  }

  /**
   * Null when one of the signatures satisfies this requirement for pulling {@code intended} at
   * {@code manifestDigest}; otherwise why none did.
   */
  String rejection(
      ImageReference intended,
      Digest manifestDigest,
      List<SigstoreAttachments.Signature> signatures) {
    List<PublicKey> publicKeys = new ArrayList<>();
    for (PolicyKey k : keys) {
      try {
        publicKeys.add(PemFiles.publicKey(k.read(), k.describe()));
      } catch (IOException e) {
        return "its public key cannot be read: " + e.getMessage();
      }
    }
    List<String> reasons = new ArrayList<>();
    int others = 0;
    for (SigstoreAttachments.Signature s : signatures) {
      if (!s.mediaType().equals(SigstoreAttachments.SIGNATURE_MEDIA_TYPE)) {
        others++;
        continue;
      }
      String reason = rejection(publicKeys, intended, manifestDigest, s);
      if (reason == null) {
        return null;
      }
      reasons.add(reason);
    }
    return SimpleSigningPayload.noneAccepted(reasons)
        + (reasons.isEmpty() && others > 0 ? " (" + others + " other attachments)" : "");
  }

  private String rejection(
      List<PublicKey> publicKeys,
      ImageReference intended,
      Digest manifestDigest,
      SigstoreAttachments.Signature s) {
    String encoded = s.annotations().get(SigstoreAttachments.SIGNATURE_ANNOTATION);
    if (encoded == null) {
      return "a signature has no " + SigstoreAttachments.SIGNATURE_ANNOTATION + " annotation";
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      return "a signature is not valid base64";
    }
    if (publicKeys.stream().noneMatch(k -> verifies(k, s.payload(), signature))) {
      return "a signature does not verify with the policy's "
          + (publicKeys.size() == 1 ? "key" : publicKeys.size() + " keys");
    }
    SimpleSigningPayload payload;
    try {
      payload = SimpleSigningPayload.parse(s.payload(), SimpleSigningPayload.SIGSTORE);
    } catch (IllegalArgumentException e) {
      return "a signed payload is invalid: " + e.getMessage();
    }
    return payload.rejection(manifestDigest, identity, intended);
  }

  /** The signature algorithms sigstore uses with each kind of key, all over SHA-256. */
  static boolean verifies(PublicKey key, byte[] payload, byte[] signature) {
    String algorithm =
        switch (key) {
          case ECPublicKey k -> "SHA256withECDSA";
          case RSAPublicKey k -> "SHA256withRSA";
          case EdECPublicKey k -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(key);
      verifier.update(payload);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // a malformed signature does not verify
    }
  }
}
