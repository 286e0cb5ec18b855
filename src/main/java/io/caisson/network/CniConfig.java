package io.caisson.network;

import io.caisson.json.Json;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonException;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One CNI network: a name, the spec version its plugins speak, and the plugin chain. Built from a
 * {@code .conflist} or from a single-plugin {@code .conf} wrapped into a one-element list, as
 * libcni does. The JSON is kept whole because plugins read keys we know nothing about.
 *
 * @param name the network name (CNI's rule: alphanumeric start, then alphanumerics, {@code _.-})
 * @param cniVersion one of {@link #SUPPORTED_VERSIONS}
 * @param disableCheck the list asks runtimes not to run CHECK
 * @param plugins each plugin's own configuration object, in chain order; every one has a "type"
 * @param json the whole list, as cached with an attachment so DEL uses what ADD used
 */
public record CniConfig(
    String name,
    String cniVersion,
    boolean disableCheck,
    List<JsonObject> plugins,
    JsonObject json) {

  /** The spec versions whose result format (interfaces + ips) we parse. */
  public static final Set<String> SUPPORTED_VERSIONS = Set.of("0.3.0", "0.3.1", "0.4.0", "1.0.0");

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
  // A plugin type names a binary looked up in the bin dirs: no path separators, no dot-dot.
  private static final Pattern TYPE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

  public CniConfig {
    plugins = List.copyOf(plugins);
  }

  /**
   * Parses a network config file's bytes. A document with a "plugins" array is a list; otherwise it
   * is one plugin's config carrying its own name and cniVersion, wrapped into a list.
   *
   * @throws InvalidCniConfigException naming what is wrong
   */
  public static CniConfig parse(byte[] bytes) throws InvalidCniConfigException {
    JsonValue root;
    try {
      root = Json.parse(bytes);
    } catch (JsonException e) {
      throw new InvalidCniConfigException("not valid JSON: " + e.getMessage());
    }
    if (!(root instanceof JsonObject object)) {
      throw new InvalidCniConfigException("the top level is not a JSON object");
    }
    return object.has("plugins") ? fromList(object) : fromSingle(object);
  }

  /** Re-creates a config from the JSON cached with an attachment. */
  static CniConfig fromCached(JsonValue json) throws InvalidCniConfigException {
    if (!(json instanceof JsonObject object)) {
      throw new InvalidCniConfigException("cached network config is not an object");
    }
    return fromList(object);
  }

  /** CHECK exists from spec 0.4.0 on, and so does passing prevResult to DEL. */
  public boolean supportsCheck() {
    return !cniVersion.startsWith("0.3.");
  }

  /** The plugin types of the chain, in order. */
  public List<String> pluginTypes() {
    return plugins.stream().map(p -> p.get("type").asText()).toList();
  }

  private static CniConfig fromList(JsonObject list) throws InvalidCniConfigException {
    String name = requireName(list);
    String version = requireVersion(list);
    JsonValue pluginsNode = list.get("plugins");
    if (!(pluginsNode instanceof JsonArray array) || array.isEmpty()) {
      throw new InvalidCniConfigException(
          "network \"" + name + "\": \"plugins\" must be a non-empty array");
    }
    List<JsonObject> plugins = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.get(i) instanceof JsonObject plugin)) {
        throw new InvalidCniConfigException(
            "network \"%s\": plugin %d is not an object".formatted(name, i));
      }
      requireType(plugin, "network \"%s\": plugin %d".formatted(name, i));
      plugins.add(plugin);
    }
    JsonValue disableCheck = list.get("disableCheck");
    if (disableCheck != null && !disableCheck.isBoolean()) {
      throw new InvalidCniConfigException(
          "network \"" + name + "\": \"disableCheck\" must be a boolean");
    }
    return new CniConfig(
        name, version, disableCheck != null && disableCheck.asBoolean(), plugins, list.deepCopy());
  }

  private static CniConfig fromSingle(JsonObject conf) throws InvalidCniConfigException {
    String name = requireName(conf);
    String version = requireVersion(conf);
    requireType(conf, "network \"" + name + "\"");
    JsonObject list = new JsonObject();
    list.put("cniVersion", version);
    list.put("name", name);
    list.putArray("plugins").add(conf.deepCopy());
    return fromList(list);
  }

  private static String requireName(JsonObject node) throws InvalidCniConfigException {
    JsonValue name = node.get("name");
    if (name == null || !name.isTextual() || name.asText().isEmpty()) {
      throw new InvalidCniConfigException("\"name\" is missing or not a string");
    }
    if (!NAME.matcher(name.asText()).matches()) {
      throw new InvalidCniConfigException(
          "network name \"" + name.asText() + "\" has characters CNI does not allow");
    }
    return name.asText();
  }

  private static String requireVersion(JsonObject node) throws InvalidCniConfigException {
    JsonValue version = node.get("cniVersion");
    if (version == null || !version.isTextual()) {
      throw new InvalidCniConfigException("\"cniVersion\" is missing or not a string");
    }
    if (!SUPPORTED_VERSIONS.contains(version.asText())) {
      throw new InvalidCniConfigException(
          "cniVersion \"%s\" is not supported (supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0)"
              .formatted(version.asText()));
    }
    return version.asText();
  }

  private static void requireType(JsonObject plugin, String where)
      throws InvalidCniConfigException {
    JsonValue type = plugin.get("type");
    if (type == null || !type.isTextual() || type.asText().isEmpty()) {
      throw new InvalidCniConfigException(where + ": \"type\" is missing or not a string");
    }
    if (!TYPE.matcher(type.asText()).matches()) {
      throw new InvalidCniConfigException(
          where + ": plugin type \"" + type.asText() + "\" is not a plain binary name");
    }
  }

  static String toJson(JsonValue node) {
    return Json.write(node);
  }
}
