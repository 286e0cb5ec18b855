package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonReader;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What an image signature vouches for: the "simple signing" payload cosign, skopeo and podman sign,
 * naming one manifest digest and the reference it was signed as. Read only after its signature
 * verified, and read strictly (exactly the fields the format has in its critical part), as
 * containers/image does: a field this reader does not know could be one the signer meant to
 * restrict the signature with.
 */
record SimpleSigningPayload(Digest manifestDigest, String dockerReference) {
  /** The payload's type in a sigstore signature (cosign's). */
  static final String SIGSTORE = "cosign container image signature";

  /** The payload's type in a GPG signature (skopeo's and podman's {@code --sign-by}). */
  static final String GPG = "atomic container signature";

  /**
   * Parses a payload of the given type; IllegalArgumentException says what is wrong with it.
   *
   * @param type {@link #SIGSTORE} or {@link #GPG}: a signature of one kind is never taken for one
   *     of the other
   */
  static SimpleSigningPayload parse(byte[] payload, String type) {
    JsonValue root;
    try {
      root = JsonReader.strict().read(payload);
    } catch (IOException e) {
      throw new IllegalArgumentException("the signed payload is not valid JSON");
    }
    StrictJson.exactly(root, "the signed payload", Set.of("critical", "optional"));
    JsonValue optional = root.get("optional");
    if (!optional.isNull() && !optional.isObject()) {
      throw new IllegalArgumentException("the signed payload's \"optional\" is not an object");
    }
    JsonValue critical = root.get("critical");
    StrictJson.exactly(critical, "\"critical\"", Set.of("type", "image", "identity"));
    String signedType = text(critical, "type");
    if (!signedType.equals(type)) {
      throw new IllegalArgumentException("unrecognized signature type '" + signedType + "'");
    }
    JsonValue image = critical.get("image");
    StrictJson.exactly(image, "\"critical.image\"", Set.of("docker-manifest-digest"));
    JsonValue identity = critical.get("identity");
    StrictJson.exactly(identity, "\"critical.identity\"", Set.of("docker-reference"));
    String digest = text(image, "docker-manifest-digest");
    try {
      return new SimpleSigningPayload(Digest.parse(digest), text(identity, "docker-reference"));
    } catch (CaissonException e) {
      throw new IllegalArgumentException("invalid docker-manifest-digest '" + digest + "'");
    }
  }

  /**
   * Null when this payload vouches for pulling {@code intended} at {@code manifestDigest} under
   * {@code identity}; otherwise why it does not.
   */
  String rejection(Digest manifestDigest, SignedIdentity identity, ImageReference intended) {
    if (!this.manifestDigest.equals(manifestDigest)) {
      return "a signature is for digest " + this.manifestDigest + ", not " + manifestDigest;
    }
    if (!identity.accepts(intended, dockerReference)) {
      return "a signature for identity '" + dockerReference + "' is not accepted for " + intended;
    }
    return null;
  }

  /** Why a requirement found no signature it accepts, from each signature's reason. */
  static String noneAccepted(List<String> reasons) {
    if (reasons.isEmpty()) {
      return "a signature was required, but no signature exists";
    }
    return reasons.size() == 1
        ? reasons.getFirst()
        : "none of the "
            + reasons.size()
            + " signatures was accepted: "
            + String.join("; ", reasons);
  }

  private static String text(JsonValue node, String field) {
    JsonValue value = node.get(field);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" is not a string");
    }
    return value.asText();
  }
}
