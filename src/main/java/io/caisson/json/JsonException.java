package io.caisson.json;

import java.io.IOException;

/** A document that is not the JSON it should be; the message says where. */
public final class JsonException extends IOException {
  public JsonException(String message) {
    super(message);
  }

  public JsonException(String message, Throwable cause) {
    super(message, cause);
  }
}
