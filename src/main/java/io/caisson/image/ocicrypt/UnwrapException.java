package io.caisson.image.ocicrypt;

/**
 * A wrapped layer key (a JWE, a PKCS#7 envelope) that is malformed, or that none of the node's keys
 * opens; the message says which.
 */
final class UnwrapException extends Exception {
  UnwrapException(String message) {
    super(message);
  }
}
