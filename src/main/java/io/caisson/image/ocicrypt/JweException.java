package io.caisson.image.ocicrypt;

/** A JWE that is malformed, or that none of the node's keys opens; the message says which. */
final class JweException extends Exception {
  JweException(String message) {
    super(message);
  }
}
