package io.caisson.config;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import io.caisson.toml.TomlReader;
import io.caisson.toml.TomlWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds the effective config in layers: built-in defaults, then the TOML file, then its drop-ins
 * ({@code *.toml} in the directory beside it named after it, {@code /etc/caisson/caisson.d} for
 * {@code /etc/caisson/caisson.toml}, in name order), then command-line overrides (dotted keys such
 * as {@code cni.conf_dir}). Each layer replaces the values it names and keeps the rest, so a file
 * that sets one runtime keeps the default one, and a drop-in a package or an operator tool writes
 * (a runtime handler, a registry of its own) needs no edit of the main file.
 */
public final class ConfigLoader {
  public static final Path DEFAULT_FILE = Path.of("/etc/caisson/caisson.toml");

  /**
   * @param file the TOML file; when absent and not {@code required}, defaults apply
   * @param required true when the operator named the file explicitly (then absence is an error)
   * @param overrides dotted key → value (String, or a List of Strings) from flags
   */
  public CaissonConfig load(Path file, boolean required, Map<String, Object> overrides)
      throws InvalidConfigException {
    JsonObject defaults = defaults();
    JsonObject tree = defaults.deepCopy();
    if (Files.exists(file)) {
      merge(tree, readFile(file), "");
    } else if (required) {
      throw new InvalidConfigException("config file " + file + " does not exist");
    }
    for (Path dropIn : dropIns(file)) {
      JsonObject layer = readFile(dropIn);
      // Checked alone first, so a key it gets wrong is reported with its own name.
      JsonObject alone = defaults.deepCopy();
      merge(alone, layer.deepCopy(), "");
      bind(alone, dropIn.toString());
      merge(tree, layer, "");
    }
    // Checked before they are laid over the file, so a bad flag is named as a flag, not as a key
    // of a file that may not even exist.
    JsonObject flagsAlone = tree.deepCopy();
    for (Map.Entry<String, Object> override : overrides.entrySet()) {
      set(flagsAlone, override.getKey(), overrideValue(override.getValue()));
    }
    bind(flagsAlone, "the command line");
    for (Map.Entry<String, Object> override : overrides.entrySet()) {
      set(tree, override.getKey(), overrideValue(override.getValue()));
    }
    CaissonConfig config = bind(tree, file.toString());
    ConfigValidator.validate(config);
    return config;
  }

  /** The directory of drop-ins beside {@code file}: {@code caisson.d} for {@code caisson.toml}. */
  public static Path dropInDir(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".d");
  }

  /** The drop-in files, in name order; none when the directory does not exist. */
  private static List<Path> dropIns(Path file) throws InvalidConfigException {
    Path dir = dropInDir(file);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> p.getFileName().toString().endsWith(".toml"))
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(Files::isRegularFile)
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new InvalidConfigException("cannot list config drop-ins in " + dir, e);
    }
  }

  /** The effective config as the TOML an operator could save as their file. */
  public String toToml(CaissonConfig config) {
    return TomlWriter.write(ConfigJson.tree(config));
  }

  private JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.toml")) {
      return TomlReader.read(in);
    } catch (IOException e) {
      throw new IllegalStateException("built-in defaults.toml is unreadable", e);
    }
  }

  private JsonObject readFile(Path file) throws InvalidConfigException {
    try {
      return TomlReader.read(file);
    } catch (IOException e) {
      throw new InvalidConfigException(file + ": not valid TOML: " + e.getMessage(), e);
    }
  }

  private static void merge(JsonObject base, JsonObject layer, String prefix) {
    Iterator<Map.Entry<String, JsonValue>> fields = layer.properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonValue> field = fields.next();
      JsonValue existing = base.get(field.getKey());
      if (existing instanceof JsonObject existingTable
          && field.getValue() instanceof JsonObject layerTable) {
        merge(existingTable, layerTable, prefix + field.getKey() + ".");
      } else {
        base.set(field.getKey(), field.getValue());
      }
    }
  }

  private static void set(JsonObject tree, String dottedKey, JsonValue value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject table = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      table = table.get(parts[i]) instanceof JsonObject child ? child : table.putObject(parts[i]);
    }
    table.set(parts[parts.length - 1], value);
  }

  private static CaissonConfig bind(JsonObject tree, String source) throws InvalidConfigException {
    try {
      return ConfigBinder.bind(tree);
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** A flag's value as a tree node: a string, or a list of strings for a repeated flag. */
  private static JsonValue overrideValue(Object value) {
    if (value instanceof List<?> list) {
      JsonArray array = new JsonArray();
      list.forEach(element -> array.add(String.valueOf(element)));
      return array;
    }
    return new JsonString(String.valueOf(value));
  }
}
