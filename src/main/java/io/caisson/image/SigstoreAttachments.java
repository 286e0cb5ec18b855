package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sigstore signatures a registry holds for a manifest: cosign's attachment convention, an OCI
 * manifest tagged {@code sha256-<hex>.sig} in the image's repository whose layers are the signed
 * payloads, each with its signature in an annotation.
 */
final class SigstoreAttachments {
  static final String SIGNATURE_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
  static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

  /**
   * A signed payload is a few hundred bytes; these bound what a registry can make a pull hold in
   * memory (the daemon's heap is small) however many or large the attachments it lists.
   */
  private static final int MAX_PAYLOAD = 1 << 20;

  private static final int MAX_TOTAL = 4 << 20;
  private static final int MAX_ATTACHMENTS = 64;

  /**
   * One attachment: its media type, its payload (digest-checked; empty for attachments that are not
   * signatures, which are not fetched) and its annotations.
   */
  record Signature(String mediaType, byte[] payload, Map<String, String> annotations) {}

  private SigstoreAttachments() {}

  /** The attachments for {@code manifest} at the session's endpoint; none when it has no tag. */
  static List<Signature> fetch(RegistrySession session, Digest manifest) {
    String tag = manifest.algorithm() + "-" + manifest.hex() + ".sig";
    RegistrySession.FetchedManifest attached;
    try {
      attached = session.manifest(tag, null);
    } catch (CaissonException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
    if (!attached.mediaType().equals(Manifests.OCI_MANIFEST)) {
      throw CaissonException.precondition(
          "the signatures of %s at %s (%s) are a %s, not an OCI image manifest",
          manifest, session.endpoint(), tag, attached.mediaType());
    }
    JsonValue layers;
    try {
      layers = Json.parse(attached.body()).path("layers");
    } catch (IOException e) {
      throw CaissonException.precondition(
          "the signatures of %s at %s (%s) are not valid JSON", manifest, session.endpoint(), tag);
    }
    if (!layers.isArray() || layers.size() > MAX_ATTACHMENTS) {
      throw CaissonException.precondition(
          "the signatures of %s at %s (%s) have no layer list of at most %d entries",
          manifest, session.endpoint(), tag, MAX_ATTACHMENTS);
    }
    List<Signature> out = new ArrayList<>();
    long total = 0;
    for (JsonValue layer : layers) {
      String mediaType = layer.path("mediaType").asText("");
      if (!mediaType.equals(SIGNATURE_MEDIA_TYPE)) {
        // An attestation or other attachment: counted, never fetched.
        out.add(new Signature(mediaType, new byte[0], Map.of()));
        continue;
      }
      Digest digest;
      try {
        digest = Digest.parse(layer.path("digest").asText(""));
      } catch (CaissonException e) {
        throw CaissonException.precondition(
            "a signature of %s at %s has an invalid digest", manifest, session.endpoint());
      }
      long size = layer.path("size").asLong(-1);
      total += size;
      if (size < 0 || size > MAX_PAYLOAD || total > MAX_TOTAL) {
        throw CaissonException.precondition(
            "the signatures of %s at %s are larger than this node reads (%d KiB each, %d MiB in"
                + " all) or give no size",
            manifest, session.endpoint(), MAX_PAYLOAD >> 10, MAX_TOTAL >> 20);
      }
      byte[] payload;
      try (VerifyingInputStream in = new VerifyingInputStream(session.blob(digest), digest, size)) {
        payload = in.readAllBytes();
      } catch (IOException e) {
        throw new CaissonException(
            Kind.UNAVAILABLE,
            "cannot read signature payload %s of %s at %s: %s"
                .formatted(digest, manifest, session.endpoint(), e.getMessage()),
            e);
      }
      Map<String, String> annotations = new LinkedHashMap<>();
      layer
          .path("annotations")
          .properties()
          .forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
      out.add(new Signature(mediaType, payload, Map.copyOf(annotations)));
    }
    return out;
  }
}
