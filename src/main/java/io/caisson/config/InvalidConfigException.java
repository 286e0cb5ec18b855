package io.caisson.config;

/** A configuration that cannot run; the message names the key and the reason. */
public final class InvalidConfigException extends Exception {
  public InvalidConfigException(String message) {
    super(message);
  }

  public InvalidConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
