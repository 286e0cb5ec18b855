package io.caisson.image;

import io.caisson.json.JsonValue;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A trust policy's {@code sigstoreSigned} requirement: some sigstore signature of the image's
 * manifest must have been made by a signer its trust root accepts (a public key, a Fulcio
 * certificate with a Rekor timestamp, or a certificate of the operator's PKI), and name the image
 * as its {@code signedIdentity} allows. With Rekor keys, the signature must also carry the log's
 * signed timestamp for itself. Keys and CAs named by path are read at each pull.
 */
record SigstoreSigned(SigstoreTrustRoot root, List<PolicyKey> logKeys, SignedIdentity identity) {
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

  private static final Set<String> FULCIO_FIELDS =
      Set.of("caPath", "caData", "oidcIssuer", "subjectEmail");
  private static final Set<String> PKI_FIELDS =
      Set.of(
          "caRootsPath",
          "caRootsData",
          "caIntermediatesPath",
          "caIntermediatesData",
          "subjectEmail",
          "subjectHostname");

  /**
   * Reads the requirement with the rules containers/image has for it: exactly one trust root, at
   * most one source of Rekor keys, Rekor keys required with Fulcio and refused with a PKI. A
   * malformed requirement is an IllegalArgumentException.
   */
  static SignaturePolicy.Requirement parse(String where, JsonValue node) {
    SignaturePolicy.onlyFields(where, "sigstoreSigned", node, FIELDS);
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
    List<String> logSources =
        List.of(
                "rekorPublicKeyPath",
                "rekorPublicKeyPaths",
                "rekorPublicKeyData",
                "rekorPublicKeyDatas")
            .stream()
            .filter(node::has)
            .toList();
    if (logSources.size() > 1) {
      throw new IllegalArgumentException(
          where + ": sigstoreSigned has more than one of " + String.join(", ", logSources));
    }
    List<PolicyKey> logKeys =
        logSources.isEmpty()
            ? List.of()
            : PolicyKey.parse(
                where, "sigstoreSigned", logSources.getFirst(), node.get(logSources.getFirst()));
    SignedIdentity identity = SignedIdentity.parse(where, node.get("signedIdentity"));
    String source = sources.getFirst();
    SigstoreTrustRoot root =
        switch (source) {
          case "fulcio" -> {
            if (logKeys.isEmpty()) {
              throw new IllegalArgumentException(
                  where + ": sigstoreSigned with fulcio needs a Rekor public key");
            }
            yield fulcio(where, node.get("fulcio"));
          }
          case "pki" -> {
            if (!logKeys.isEmpty()) {
              throw new IllegalArgumentException(
                  where + ": sigstoreSigned with pki takes no Rekor public key");
            }
            yield pki(where, node.get("pki"));
          }
          default ->
              new SigstoreTrustRoot.PublicKeys(
                  PolicyKey.parse(where, "sigstoreSigned", source, node.get(source)));
        };
    return new SignaturePolicy.Requirement.Sigstore(new SigstoreSigned(root, logKeys, identity));
  }

  private static SigstoreTrustRoot fulcio(String where, JsonValue node) {
    SignaturePolicy.onlyFields(where, "sigstoreSigned's fulcio", node, FULCIO_FIELDS);
    return new SigstoreTrustRoot.Fulcio(
        PolicyKey.single(where, "sigstoreSigned's fulcio", node, "ca", true),
        text(where, "fulcio", node, "oidcIssuer", true),
        text(where, "fulcio", node, "subjectEmail", true));
  }

  private static SigstoreTrustRoot pki(String where, JsonValue node) {
    SignaturePolicy.onlyFields(where, "sigstoreSigned's pki", node, PKI_FIELDS);
    String email = text(where, "pki", node, "subjectEmail", false);
    String host = text(where, "pki", node, "subjectHostname", false);
    if (email == null && host == null) {
      throw new IllegalArgumentException(
          where + ": sigstoreSigned's pki needs subjectEmail, subjectHostname or both");
    }
    return new SigstoreTrustRoot.Pki(
        PolicyKey.single(where, "sigstoreSigned's pki", node, "caRoots", true),
        PolicyKey.single(where, "sigstoreSigned's pki", node, "caIntermediates", false),
        email,
        host);
  }

  private static String text(
      String where, String what, JsonValue node, String field, boolean required) {
    JsonValue value = node.get(field);
    if (value == null && !required) {
      return null;
    }
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException(
          where + ": sigstoreSigned's " + what + " needs a non-empty " + field);
    }
    return value.asText();
  }

  /**
   * Null when one of the signatures satisfies this requirement for pulling {@code intended} at
   * {@code manifestDigest}; otherwise why none did.
   */
  String rejection(
      ImageReference intended,
      Digest manifestDigest,
      List<SigstoreAttachments.Signature> signatures) {
    return rejection(intended, manifestDigest, signatures, Instant.now());
  }

  String rejection(
      ImageReference intended,
      Digest manifestDigest,
      List<SigstoreAttachments.Signature> signatures,
      Instant now) {
    SigstoreTrustRoot.SignerCheck check;
    try {
      List<PublicKey> rekorKeys = new ArrayList<>();
      for (PolicyKey k : logKeys) {
        PublicKey key = PemFiles.publicKey(k.read(), k.describe());
        if (!(key instanceof ECPublicKey)) {
          throw new IOException(k.describe() + " is a Rekor key that is not ECDSA");
        }
        rekorKeys.add(key);
      }
      check = root.load(List.copyOf(rekorKeys), now);
    } catch (IOException e) {
      return "its trust root cannot be read: " + e.getMessage();
    }
    List<String> reasons = new ArrayList<>();
    int others = 0;
    for (SigstoreAttachments.Signature s : signatures) {
      if (!s.mediaType().equals(SigstoreAttachments.SIGNATURE_MEDIA_TYPE)) {
        others++;
        continue;
      }
      try {
        accept(check, intended, manifestDigest, s);
        return null;
      } catch (SignatureRejected e) {
        reasons.add(e.getMessage());
      }
    }
    return SimpleSigningPayload.noneAccepted(reasons)
        + (reasons.isEmpty() && others > 0 ? " (" + others + " other attachments)" : "");
  }

  private void accept(
      SigstoreTrustRoot.SignerCheck check,
      ImageReference intended,
      Digest manifestDigest,
      SigstoreAttachments.Signature s)
      throws SignatureRejected {
    String encoded = s.annotations().get(SigstoreAttachments.SIGNATURE_ANNOTATION);
    if (encoded == null) {
      throw new SignatureRejected(
          "a signature has no " + SigstoreAttachments.SIGNATURE_ANNOTATION + " annotation");
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected("a signature is not valid base64");
    }
    List<PublicKey> signers = check.signers(s.annotations(), signature, s.payload());
    if (signers.stream().noneMatch(k -> verifies(k, s.payload(), signature))) {
      throw new SignatureRejected(
          "a signature does not verify with "
              + switch (root) {
                case SigstoreTrustRoot.PublicKeys(List<PolicyKey> keys) ->
                    keys.size() == 1 ? "the policy's key" : "the policy's " + keys.size() + " keys";
                default -> "its certificate's key";
              });
    }
    SimpleSigningPayload payload;
    try {
      payload = SimpleSigningPayload.parse(s.payload(), SimpleSigningPayload.SIGSTORE);
    } catch (IllegalArgumentException e) {
      throw new SignatureRejected("a signed payload is invalid: " + e.getMessage());
    }
    String rejection = payload.rejection(manifestDigest, identity, intended);
    if (rejection != null) {
      throw new SignatureRejected(rejection);
    }
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
