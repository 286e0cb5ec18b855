package io.caisson.image.ocicrypt;

import java.io.IOException;

/**
 * An encrypted layer that cannot be opened on this node (no key fits, a scheme Caisson does not
 * read) or whose decrypted bytes fail their checks.
 */
public final class LayerDecryptionException extends IOException {
  LayerDecryptionException(String message) {
    super(message);
  }
}
