package io.caisson.image;

import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A trust policy's {@code signedBy} requirement ({@code keyType: GPGKeys}): some GPG signature of
 * the image's manifest, from the lookaside storage registries.d names for the image, must verify
 * with a key of the policy's keyrings and name the image as its {@code signedIdentity} allows.
 * These are the signatures skopeo and podman make with {@code --sign-by}, and Red Hat publishes for
 * its registries.
 */
record GpgSigned(List<PolicyKey> keyrings, SignedIdentity identity) {
  private static final Set<String> FIELDS =
      Set.of("type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity");

  /**
   * Reads the requirement. A key type Caisson cannot check gives a reason to refuse instead; a
   * malformed requirement is an IllegalArgumentException.
   */
  static SignaturePolicy.Requirement parse(String where, JsonValue node) {
    SignaturePolicy.onlyFields(where, "signedBy", node, FIELDS);
    JsonValue keyType = node.get("keyType");
    if (keyType == null || !keyType.isTextual()) {
      throw new IllegalArgumentException(where + ": signedBy needs a keyType");
    }
    List<String> sources =
        List.of("keyPath", "keyPaths", "keyData").stream().filter(node::has).toList();
    if (sources.size() != 1) {
      throw new IllegalArgumentException(
          where
              + ": signedBy needs exactly one of keyPath, keyPaths and keyData; it has "
              + (sources.isEmpty() ? "none" : String.join(", ", sources)));
    }
    SignedIdentity identity = SignedIdentity.parse(where, node.get("signedIdentity"));
    if (!keyType.asText().equals("GPGKeys")) {
      return new SignaturePolicy.Requirement.Unverifiable(
          "signedBy with keyType '" + keyType.asText() + "', which Caisson does not verify");
    }
    String source = sources.getFirst();
    return new SignaturePolicy.Requirement.Gpg(
        new GpgSigned(PolicyKey.parse(where, "signedBy", source, node.get(source)), identity));
  }

  /**
   * Null when one of the signatures satisfies this requirement for pulling {@code intended} at
   * {@code manifestDigest}; otherwise why none did.
   *
   * @param signatures the signatures found for the manifest, each an OpenPGP signed message
   */
  String rejection(ImageReference intended, Digest manifestDigest, List<byte[]> signatures) {
    OpenPgp.Keyrings rings;
    try {
      List<byte[]> files = new ArrayList<>();
      for (PolicyKey k : keyrings) {
        files.add(k.read());
      }
      rings = OpenPgp.get().keyrings(files, keyrings.stream().map(PolicyKey::describe).toList());
    } catch (IOException | IllegalArgumentException e) {
      return "its keyring cannot be read: " + e.getMessage();
    } catch (IllegalStateException e) {
      return "GPG signatures cannot be verified on this node: " + e.getMessage();
    }
    List<String> reasons = new ArrayList<>();
    for (byte[] signature : signatures) {
      String reason = rejection(rings, intended, manifestDigest, signature);
      if (reason == null) {
        return null;
      }
      reasons.add(reason);
    }
    return SimpleSigningPayload.noneAccepted(reasons);
  }

  private String rejection(
      OpenPgp.Keyrings rings, ImageReference intended, Digest manifestDigest, byte[] signature) {
    SimpleSigningPayload payload;
    try {
      payload =
          SimpleSigningPayload.parse(rings.verifiedContent(signature), SimpleSigningPayload.GPG);
    } catch (IllegalArgumentException e) {
      return "a signature is not accepted: " + e.getMessage();
    }
    return payload.rejection(manifestDigest, identity, intended);
  }
}
