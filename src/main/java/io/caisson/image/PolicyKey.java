package io.caisson.image;

import io.caisson.json.JsonValue;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Where one of a trust policy requirement's public keys comes from: a file, read at each pull so a
 * rotated key applies to the next one as an edited policy does, or bytes written in the policy
 * itself.
 */
record PolicyKey(Path path, byte[] data) {
  /** The key's bytes; an IOException's message names the file and what is wrong with it. */
  byte[] read() throws IOException {
    if (path == null) {
      return data;
    }
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new IOException(path + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new IOException(path + " is not readable", e);
    } catch (IOException e) {
      throw new IOException(path + ": " + e, e);
    }
  }

  String describe() {
    return path != null ? path.toString() : "data written in the policy";
  }

  /**
   * The keys of a requirement's {@code field}: {@code ...Path} (one absolute path, as {@code
   * keyPath} or {@code rekorPublicKeyPath}), {@code ...Paths} (a non-empty list of them), {@code
   * ...Data} (base64) or {@code ...Datas} (a non-empty list of base64).
   *
   * @param what the requirement's type, for messages
   */
  static List<PolicyKey> parse(String where, String what, String field, JsonValue value) {
    List<PolicyKey> keys = new ArrayList<>();
    if (field.endsWith("Paths")) {
      nonEmpty(where, what, field, value)
          .forEach(v -> keys.add(new PolicyKey(path(where, what, v), null)));
    } else if (field.endsWith("Path")) {
      keys.add(new PolicyKey(path(where, what, value), null));
    } else if (field.endsWith("Datas")) {
      nonEmpty(where, what, field, value)
          .forEach(v -> keys.add(new PolicyKey(null, data(where, what, v))));
    } else if (field.endsWith("Data")) {
      keys.add(new PolicyKey(null, data(where, what, value)));
    } else {
      throw new IllegalArgumentException(where + ": " + what + " has no " + field);
    }
    return List.copyOf(keys);
  }

  /**
   * The one source of {@code node}'s {@code <prefix>Path} (an absolute path) and {@code
   * <prefix>Data} (base64) fields; null when neither is there and the source is optional.
   */
  static PolicyKey single(
      String where, String what, JsonValue node, String prefix, boolean required) {
    boolean byPath = node.has(prefix + "Path");
    boolean byData = node.has(prefix + "Data");
    if (byPath && byData) {
      throw new IllegalArgumentException(
          where + ": " + what + " has both " + prefix + "Path and " + prefix + "Data");
    }
    if (!byPath && !byData) {
      if (required) {
        throw new IllegalArgumentException(
            where + ": " + what + " needs " + prefix + "Path or " + prefix + "Data");
      }
      return null;
    }
    String field = prefix + (byPath ? "Path" : "Data");
    return parse(where, what, field, node.get(field)).getFirst();
  }

  private static JsonValue nonEmpty(String where, String what, String field, JsonValue value) {
    if (!value.isArray() || value.isEmpty()) {
      throw new IllegalArgumentException(
          where + ": " + what + " " + field + " must be a non-empty list");
    }
    return value;
  }

  private static Path path(String where, String what, JsonValue value) {
    if (!value.isTextual() || !value.asText().startsWith("/")) {
      throw new IllegalArgumentException(where + ": " + what + " key paths must be absolute");
    }
    return Path.of(value.asText());
  }

  private static byte[] data(String where, String what, JsonValue value) {
    try {
      if (!value.isTextual()) {
        throw new IllegalArgumentException();
      }
      return Base64.getDecoder().decode(value.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + what + " key data is not base64");
    }
  }
}
