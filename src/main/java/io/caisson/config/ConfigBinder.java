package io.caisson.config;

import io.caisson.config.CaissonConfig.Cni;
import io.caisson.config.CaissonConfig.Metrics;
import io.caisson.config.CaissonConfig.RuntimeHandler;
import io.caisson.config.CaissonConfig.Streaming;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the merged TOML tree into a {@link CaissonConfig}, key by key. Written out rather than left
 * to a reflective binder (Jackson's was a third of the daemon's start-up before its socket
 * answered), and strict like the file's readers expect: a key it does not know, or a value of the
 * wrong kind, is an error naming the key's dotted path.
 */
final class ConfigBinder {
  private ConfigBinder() {}

  static CaissonConfig bind(JsonObject tree) throws InvalidConfigException {
    Table top = new Table(tree, "");
    CaissonConfig config =
        new CaissonConfig(
            top.path("socket"),
            top.path("root"),
            top.path("state"),
            top.string("log_level"),
            top.string("cgroup_driver"),
            top.string("default_runtime"),
            top.runtimes("runtimes"),
            top.string("monitor"),
            top.path("conmon"),
            top.string("pause_image"),
            top.strings("pinned_images"),
            top.path("registries_conf"),
            top.path("auth_file"),
            top.path("certs_dir"),
            top.path("signature_policy"),
            top.path("registries_d"),
            top.path("decryption_keys_path"),
            top.duration("pull_stall_timeout"),
            top.integer("max_concurrent_downloads"),
            top.paths("cdi_spec_dirs"),
            top.paths("hooks_dirs"),
            top.strings("additional_devices"),
            top.bool("device_ownership_from_security_context"),
            top.strings("default_capabilities"),
            top.path("seccomp_profile"),
            top.strings("default_ulimits"),
            top.strings("default_sysctls"),
            top.strings("default_env"),
            top.string("image_volumes"),
            top.longInteger("log_size_max"),
            top.bool("direct_exec"),
            cni(top.table("cni")),
            streaming(top.table("streaming")),
            metrics(top.table("metrics")));
    top.rejectUnknown();
    return config;
  }

  private static Cni cni(Table t) throws InvalidConfigException {
    Cni cni = new Cni(t.path("conf_dir"), t.paths("bin_dirs"));
    t.rejectUnknown();
    return cni;
  }

  private static Streaming streaming(Table t) throws InvalidConfigException {
    Streaming streaming =
        new Streaming(
            t.string("address"), t.path("tls_cert"), t.path("tls_key"), t.duration("idle_timeout"));
    t.rejectUnknown();
    return streaming;
  }

  private static Metrics metrics(Table t) throws InvalidConfigException {
    Metrics metrics = new Metrics(t.string("address"));
    t.rejectUnknown();
    return metrics;
  }

  /** One TOML table and the keys read from it so far. */
  private static final class Table {
    private final JsonObject node;
    private final String prefix;
    private final Set<String> known = new HashSet<>();

    Table(JsonObject node, String prefix) {
      this.node = node;
      this.prefix = prefix;
    }

    /** The value at key, or null when the key is absent or set to nothing. */
    private JsonValue value(String key) {
      known.add(key);
      JsonValue value = node.get(key);
      return value == null || value.isNull() || value.isMissingNode() ? null : value;
    }

    private InvalidConfigException wrong(String key, String expected, JsonValue value) {
      return new InvalidConfigException(
          "key '%s%s': expected %s, not %s".formatted(prefix, key, expected, value));
    }

    String string(String key) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        return null;
      }
      if (!value.isTextual()) {
        throw wrong(key, "a string", value);
      }
      return value.textValue();
    }

    /** A path; the empty string means none, as an unset key does. */
    Path path(String key) throws InvalidConfigException {
      String text = string(key);
      return text == null || text.isEmpty() ? null : Path.of(text);
    }

    List<String> strings(String key) throws InvalidConfigException {
      return texts(key, "a list of strings");
    }

    List<Path> paths(String key) throws InvalidConfigException {
      List<String> texts = texts(key, "a list of paths");
      return texts == null ? null : texts.stream().map(Path::of).toList();
    }

    /** A list of strings, null when unset; {@code expected} names it in the error. */
    private List<String> texts(String key, String expected) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        return null;
      }
      if (!value.isArray()) {
        throw wrong(key, expected, value);
      }
      List<String> texts = new ArrayList<>();
      for (JsonValue element : value) {
        if (!element.isTextual()) {
          throw wrong(key, expected, value);
        }
        texts.add(element.textValue());
      }
      return List.copyOf(texts);
    }

    /** A duration such as "90s" or "1m30s". */
    Duration duration(String key) throws InvalidConfigException {
      String text = string(key);
      if (text == null) {
        return null;
      }
      try {
        return DurationText.parse(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(
            "key '%s%s': %s".formatted(prefix, key, e.getMessage()), e);
      }
    }

    /** true or false; a flag gives it as text. */
    boolean bool(String key) throws InvalidConfigException {
      if (value(key) == null) {
        throw new InvalidConfigException("key '%s%s': must be set".formatted(prefix, key));
      }
      return boolOr(key, false);
    }

    /** true or false, {@code unset} when the key is not there. */
    boolean boolOr(String key, boolean unset) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        return unset;
      }
      if (value.isBoolean()) {
        return value.booleanValue();
      }
      if (value.isTextual()
          && (value.textValue().equals("true") || value.textValue().equals("false"))) {
        return Boolean.parseBoolean(value.textValue());
      }
      throw wrong(key, "true or false", value);
    }

    /** A 64-bit integer: a byte count such as log_size_max may pass 2 GiB. */
    long longInteger(String key) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        throw new InvalidConfigException("key '%s%s': must be set".formatted(prefix, key));
      }
      if (value.isIntegralNumber() && value.canConvertToLong()) {
        return value.longValue();
      }
      if (value.isTextual() && value.textValue().matches("-?[0-9]{1,18}")) {
        return Long.parseLong(value.textValue());
      }
      throw wrong(key, "an integer", value);
    }

    int integer(String key) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        throw new InvalidConfigException("key '%s%s': must be set".formatted(prefix, key));
      }
      if (value.canConvertToInt()) {
        return value.intValue();
      }
      if (value.isTextual() && value.textValue().matches("-?[0-9]{1,9}")) {
        return Integer.parseInt(value.textValue());
      }
      throw wrong(key, "an integer", value);
    }

    /** A sub-table; an absent one reads as empty. */
    Table table(String key) throws InvalidConfigException {
      JsonValue value = value(key);
      if (value == null) {
        return new Table(new JsonObject(), prefix + key + ".");
      }
      if (!(value instanceof JsonObject object)) {
        throw wrong(key, "a table", value);
      }
      return new Table(object, prefix + key + ".");
    }

    /** {@code [runtimes.NAME]} tables, in the order the file names them. */
    Map<String, RuntimeHandler> runtimes(String key) throws InvalidConfigException {
      Table runtimes = table(key);
      Map<String, RuntimeHandler> handlers = new LinkedHashMap<>();
      for (Map.Entry<String, JsonValue> entry : runtimes.node.properties()) {
        String name = entry.getKey();
        Table handler = runtimes.table(name);
        handlers.put(
            name,
            new RuntimeHandler(
                handler.path("path"),
                handler.path("root"),
                handler.boolOr("privileged_without_host_devices", false)));
        handler.rejectUnknown();
      }
      return handlers;
    }

    /** Fails on the first key of this table that nothing read: a typo must not pass silently. */
    void rejectUnknown() throws InvalidConfigException {
      for (Map.Entry<String, JsonValue> entry : node.properties()) {
        String key = entry.getKey();
        if (!known.contains(key)) {
          throw new InvalidConfigException("unknown key '%s%s'".formatted(prefix, key));
        }
      }
    }
  }
}
