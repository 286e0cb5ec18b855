package io.caisson.image;

import io.caisson.json.JsonValue;
import java.util.Set;

/**
 * How signed JSON is read, as containers/image reads it: a duplicated member is an error (two
 * readers could take different ones), and an object must have exactly the fields its format has (a
 * field this reader does not know could be one the signer meant to restrict the signature with).
 */
final class StrictJson {
  private StrictJson() {}

  /**
   * IllegalArgumentException, naming {@code what}, unless {@code node} has exactly {@code fields}.
   */
  static void exactly(JsonValue node, String what, Set<String> fields) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(what + " is not a JSON object");
    }
    for (String field : fields) {
      if (!node.has(field)) {
        throw new IllegalArgumentException(what + " has no \"" + field + "\"");
      }
    }
    for (var property : node.properties()) {
      String name = property.getKey();
      if (!fields.contains(name)) {
        throw new IllegalArgumentException(what + " has an unknown field \"" + name + "\"");
      }
    }
  }
}
