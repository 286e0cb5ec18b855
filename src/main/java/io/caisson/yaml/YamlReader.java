package io.caisson.yaml;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonException;
import io.caisson.json.JsonNull;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Date;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a YAML document (a CDI spec, a registries.d file) into the JSON tree its readers walk.
 * SnakeYAML's safe constructor builds only plain maps, lists and scalars, never arbitrary classes;
 * aliases are bounded, as a document from a node's config directory should not need many.
 */
public final class YamlReader {
  private YamlReader() {}

  /** The document's tree; JSON null for an empty document. */
  public static JsonValue read(String yaml) throws JsonException {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    options.setAllowDuplicateKeys(false);
    Object document;
    try {
      document = new Yaml(new SafeConstructor(options)).load(yaml);
    } catch (YAMLException e) {
      throw new JsonException(firstLine(e.getMessage()), e);
    }
    return tree(document);
  }

  private static JsonValue tree(Object value) throws JsonException {
    return switch (value) {
      case null -> JsonNull.INSTANCE;
      case String text -> new JsonString(text);
      case Boolean bool -> JsonBoolean.of(bool);
      case Integer n -> JsonNumber.of(n);
      case Long n -> JsonNumber.of(n);
      case BigInteger n -> JsonNumber.of(n);
      case Double n -> Double.isFinite(n) ? JsonNumber.of(n) : new JsonString(n.toString());
      case Date date -> new JsonString(date.toInstant().toString());
      case byte[] binary -> new JsonString(java.util.Base64.getEncoder().encodeToString(binary));
      case Map<?, ?> map -> {
        JsonObject object = new JsonObject();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          object.set(String.valueOf(entry.getKey()), tree(entry.getValue()));
        }
        yield object;
      }
      case Collection<?> list -> {
        JsonArray array = new JsonArray();
        for (Object element : list) {
          array.add(tree(element));
        }
        yield array;
      }
      default -> throw new JsonException("a YAML value of an unexpected kind: " + value.getClass());
    };
  }

  private static String firstLine(String message) {
    return message == null ? "not valid YAML" : message.lines().findFirst().orElse(message);
  }
}
