package io.caisson.toml;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The document's tables as they are being built, and TOML's rules on who may add to them. The JSON
 * tree cannot tell how a table came to be, and that decides what may be done with it next, so each
 * table's origin is kept beside the tree (by identity: two empty tables are equal objects).
 */
final class TomlTables {

  /** How a table was made, which decides what may add to it later. */
  private enum Origin {
    /** By its own {@code [header]} or {@code [[header]]}: no second header, no dotted keys. */
    HEADER,
    /** As a parent in a longer header ({@code a} of {@code [a.b]}): its own header may follow. */
    IMPLICIT,
    /** By a dotted key ({@code a} of {@code a.b = 1}): more dotted keys, sub-table headers. */
    DOTTED,
    /** As an inline table, with all its sub-tables: complete, nothing may add to it. */
    INLINE
  }

  private record Table(Origin origin, int line) {}

  private final Map<JsonObject, Table> tables = new IdentityHashMap<>();
  private final Set<JsonArray> arraysOfTables = Collections.newSetFromMap(new IdentityHashMap<>());
  private final JsonObject root = new JsonObject();
  private JsonObject current = root;

  TomlTables() {
    tables.put(root, new Table(Origin.HEADER, 1));
  }

  JsonObject root() {
    return root;
  }

  /** The table key/value lines go into: the last header's, or the root before any. */
  JsonObject current() {
    return current;
  }

  /** {@code [key]}: the table, new or only implied so far, that the following lines fill. */
  void openTable(List<String> key, int line) throws TomlException {
    JsonObject parent = descend(key, line);
    String name = key.getLast();
    String header = "[" + TomlKeys.path(key) + "]";
    switch (parent.get(name)) {
      case null -> current = define(parent.putObject(name), Origin.HEADER, line);
      case JsonObject table -> {
        Table known = tables.get(table);
        switch (known.origin()) {
          case IMPLICIT -> current = define(table, Origin.HEADER, line);
          case HEADER ->
              throw new TomlException(
                  line, "table %s is already defined (line %d)".formatted(header, known.line()));
          case DOTTED ->
              throw new TomlException(
                  line,
                  "table %s is already defined by dotted keys (line %d)"
                      .formatted(header, known.line()));
          case INLINE ->
              throw new TomlException(
                  line,
                  "table %s is already defined as an inline table (line %d)"
                      .formatted(header, known.line()));
        }
      }
      case JsonArray array when arraysOfTables.contains(array) ->
          throw new TomlException(
              line, "%s would redefine the array of tables [%s]".formatted(header, header));
      default ->
          throw new TomlException(
              line,
              "table %s would redefine key %s, which has a value"
                  .formatted(header, TomlKeys.display(key)));
    }
  }

  /** {@code [[key]]}: a new table at the end of the array of tables, which the lines fill. */
  void openArrayTable(List<String> key, int line) throws TomlException {
    JsonObject parent = descend(key, line);
    String name = key.getLast();
    String header = "[[" + TomlKeys.path(key) + "]]";
    JsonArray array =
        switch (parent.get(name)) {
          case null -> {
            JsonArray created = parent.putArray(name);
            arraysOfTables.add(created);
            yield created;
          }
          case JsonArray existing when arraysOfTables.contains(existing) -> existing;
          case JsonArray existing ->
              throw new TomlException(
                  line,
                  "%s cannot add to the array %s, which an array value defines"
                      .formatted(header, TomlKeys.display(key)));
          case JsonObject table ->
              throw new TomlException(
                  line,
                  "%s would redefine the table [%s] (line %d)"
                      .formatted(header, TomlKeys.path(key), tables.get(table).line()));
          default ->
              throw new TomlException(
                  line,
                  "%s would redefine key %s, which has a value"
                      .formatted(header, TomlKeys.display(key)));
        };
    current = define(array.addObject(), Origin.HEADER, line);
  }

  /**
   * The table a header's keys but the last lead to, implying the missing ones. Through an array of
   * tables a header goes on in its last table, as {@code [fruit.variety]} after {@code [[fruit]]}
   * belongs to that fruit.
   */
  private JsonObject descend(List<String> key, int line) throws TomlException {
    JsonObject at = root;
    for (int i = 0; i < key.size() - 1; i++) {
      String name = key.get(i);
      List<String> prefix = key.subList(0, i + 1);
      at =
          switch (at.get(name)) {
            case null -> define(at.putObject(name), Origin.IMPLICIT, line);
            case JsonObject table when tables.get(table).origin() == Origin.INLINE ->
                throw new TomlException(
                    line,
                    "[%s] cannot add to the inline table %s (line %d)"
                        .formatted(
                            TomlKeys.path(key),
                            TomlKeys.display(prefix),
                            tables.get(table).line()));
            case JsonObject table -> table;
            case JsonArray array when arraysOfTables.contains(array) ->
                (JsonObject) array.get(array.size() - 1);
            default ->
                throw new TomlException(
                    line,
                    "[%s] cannot make a table of key %s, which has a value"
                        .formatted(TomlKeys.path(key), TomlKeys.display(prefix)));
          };
    }
    return at;
  }

  /**
   * {@code key = value} in {@code table}: a dotted key makes the tables on its way, and may only
   * pass through tables dotted keys made; the last key must be new.
   */
  void assign(JsonObject table, List<String> key, JsonValue value, int line) throws TomlException {
    JsonObject at = table;
    for (int i = 0; i < key.size() - 1; i++) {
      String name = key.get(i);
      List<String> prefix = key.subList(0, i + 1);
      at =
          switch (at.get(name)) {
            case null -> define(at.putObject(name), Origin.DOTTED, line);
            case JsonObject sub when tables.get(sub).origin() == Origin.DOTTED -> sub;
            case JsonObject sub when tables.get(sub).origin() == Origin.INLINE ->
                throw new TomlException(
                    line,
                    "key %s cannot add to the inline table %s (line %d)"
                        .formatted(
                            TomlKeys.display(key),
                            TomlKeys.display(prefix),
                            tables.get(sub).line()));
            case JsonObject sub ->
                throw new TomlException(
                    line,
                    "key %s cannot add to table %s, which a [table] header defines (line %d)"
                        .formatted(
                            TomlKeys.display(key),
                            TomlKeys.display(prefix),
                            tables.get(sub).line()));
            default ->
                throw new TomlException(
                    line,
                    "key %s cannot make a table of key %s, which has a value"
                        .formatted(TomlKeys.display(key), TomlKeys.display(prefix)));
          };
    }
    if (at.has(key.getLast())) {
      throw new TomlException(line, "duplicate key " + TomlKeys.display(key));
    }
    at.set(key.getLast(), value);
  }

  /** Makes {@code inline}, with every table inside it, complete: nothing may add to it later. */
  void seal(JsonObject inline, int line) {
    Deque<JsonObject> pending = new ArrayDeque<>();
    pending.push(inline);
    while (!pending.isEmpty()) {
      JsonObject table = pending.pop();
      tables.put(table, new Table(Origin.INLINE, line));
      for (JsonValue member : table) {
        if (member instanceof JsonObject sub) {
          pending.push(sub);
        }
      }
    }
  }

  private JsonObject define(JsonObject table, Origin origin, int line) {
    tables.put(table, new Table(origin, line));
    return table;
  }
}
