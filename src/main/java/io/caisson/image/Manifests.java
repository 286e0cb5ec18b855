package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parsing of image manifests and indexes (OCI and Docker schema 2) into plain records. */
final class Manifests {
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1";

  private Manifests() {}

  /** A descriptor; {@code annotations} carry an encrypted layer's wrapped keys. */
  record Descriptor(
      String mediaType,
      Digest digest,
      long size,
      Platform platform,
      Map<String, String> annotations) {}

  sealed interface Parsed permits Index, Manifest {}

  record Index(List<Descriptor> manifests) implements Parsed {}

  record Manifest(Descriptor config, List<Descriptor> layers) implements Parsed {}

  /** Parses a manifest or index; the media type comes from the body, else the header. */
  static Parsed parse(byte[] body, String contentType) {
    JsonValue root;
    try {
      root = Json.parse(body);
    } catch (IOException e) {
      throw CaissonException.invalid("manifest is not valid JSON: %s", e.getMessage());
    }
    String mediaType = root.path("mediaType").asText("");
    if (mediaType.isEmpty()) {
      mediaType = contentType == null ? "" : contentType;
    }
    if (mediaType.startsWith(DOCKER_SCHEMA1) || root.path("schemaVersion").asInt() == 1) {
      throw CaissonException.invalid("Docker schema 1 manifests are not supported");
    }
    boolean isIndex =
        mediaType.equals(OCI_INDEX)
            || mediaType.equals(DOCKER_LIST)
            || (!mediaType.equals(OCI_MANIFEST)
                && !mediaType.equals(DOCKER_MANIFEST)
                && root.has("manifests"));
    if (isIndex) {
      List<Descriptor> list = new ArrayList<>();
      for (JsonValue d : root.path("manifests")) {
        list.add(descriptor(d));
      }
      return new Index(List.copyOf(list));
    }
    if (!root.has("config") || !root.has("layers")) {
      throw CaissonException.invalid("unsupported manifest type '%s'", mediaType);
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonValue d : root.path("layers")) {
      layers.add(descriptor(d));
    }
    return new Manifest(descriptor(root.path("config")), List.copyOf(layers));
  }

  private static Descriptor descriptor(JsonValue d) {
    JsonValue p = d.get("platform");
    Platform platform =
        p == null
            ? null
            : new Platform(
                p.path("os").asText(""),
                p.path("architecture").asText(""),
                p.path("variant").asText(""));
    long size = d.path("size").asLong(-1);
    if (size < 0) {
      throw CaissonException.invalid("descriptor without a valid size: %s", d);
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    for (var a : d.path("annotations").properties()) {
      if (a.getValue().isTextual()) {
        annotations.put(a.getKey(), a.getValue().asText());
      }
    }
    return new Descriptor(
        d.path("mediaType").asText(""),
        Digest.parse(d.path("digest").asText()),
        size,
        platform,
        Map.copyOf(annotations));
  }

  /**
   * The entry of an index for the platform, or NOT_FOUND listing what the index offers. An image
   * manifest entry without a platform (indexes written by some tools have none) is taken when no
   * entry names the platform, as CRI-O and containerd take it; the caller checks its config.
   */
  static Descriptor select(Index index, Platform wanted) {
    Descriptor best = null;
    int bestScore = -1;
    List<String> offered = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      if (d.platform() == null) {
        if (best == null && isImageManifest(d.mediaType())) {
          best = d; // score -1: any entry for the platform is preferred
        }
        continue;
      }
      offered.add(d.platform().toString());
      int score = wanted.matchScore(d.platform());
      if (score > bestScore) {
        best = d;
        bestScore = score;
      }
    }
    if (best == null) {
      throw CaissonException.notFound(
          "no manifest for platform %s in the image index (offers %s)", wanted, offered);
    }
    return best;
  }

  /** An image manifest's media type, or none (the manifest's body then says what it is). */
  private static boolean isImageManifest(String mediaType) {
    return mediaType.isEmpty()
        || mediaType.equals(OCI_MANIFEST)
        || mediaType.equals(DOCKER_MANIFEST);
  }
}
