package io.caisson.network;

/** A CNI network config file that cannot be used, with the reason in words. */
public final class InvalidCniConfigException extends Exception {
  public InvalidCniConfigException(String message) {
    super(message);
  }
}
