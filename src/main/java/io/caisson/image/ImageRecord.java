package io.caisson.image;

import java.util.List;

/**
 * One image in the store. {@code id} is the config digest ({@code sha256:...}); {@code layers} the
 * diff ids, lowest first; {@code manifests} every manifest/index blob the image was pulled through.
 * {@code uid} is set when the config's User is numeric, {@code username} otherwise (both empty when
 * User is unset). {@code pinned} is computed (the configured pause image).
 */
public record ImageRecord(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    long size,
    Long uid,
    String username,
    boolean pinned,
    ImageConfig config,
    List<String> layers,
    List<String> manifests) {

  public ImageRecord {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
    layers = List.copyOf(layers);
    manifests = List.copyOf(manifests);
    username = username == null ? "" : username;
  }

  ImageRecord withNames(List<String> tags, List<String> digests) {
    return new ImageRecord(
        id, tags, digests, size, uid, username, pinned, config, layers, manifests);
  }

  ImageRecord withPinned(boolean value) {
    return new ImageRecord(
        id, repoTags, repoDigests, size, uid, username, value, config, layers, manifests);
  }

  /** The id without its {@code sha256:} prefix, used for file names. */
  String hex() {
    return id.substring(id.indexOf(':') + 1);
  }
}
