package io.caisson.image;

/**
 * Why one signature does not count for a requirement: its message is the reason a refused pull
 * gives, so it names what was checked and what the signature had instead.
 */
final class SignatureRejected extends Exception {
  SignatureRejected(String reason) {
    super(reason, null, false, false);
  }
}
