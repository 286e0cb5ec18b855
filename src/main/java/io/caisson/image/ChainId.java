package io.caisson.image;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The OCI image spec's ChainID of a layer stack: the first layer's diff id, then for each layer
 * above {@code sha256(<chain below> + " " + <its diff id>)}. containerd and CRI-O report it in a
 * verbose ImageStatus; it names the stack, not any one layer.
 */
public final class ChainId {
  private ChainId() {}

  /** The chain id of diff ids listed lowest first; none for an image without layers. */
  public static Digest of(List<String> diffIds) {
    if (diffIds.isEmpty()) {
      return null;
    }
    Digest chain = Digest.parse(diffIds.getFirst());
    for (String diffId : diffIds.subList(1, diffIds.size())) {
      chain =
          Digest.sha256((chain + " " + Digest.parse(diffId)).getBytes(StandardCharsets.US_ASCII));
    }
    return chain;
  }
}
