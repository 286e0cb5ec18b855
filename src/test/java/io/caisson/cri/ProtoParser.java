package io.caisson.cri;

import io.caisson.cri.ProtoShape.EnumType;
import io.caisson.cri.ProtoShape.Field;
import io.caisson.cri.ProtoShape.Message;
import io.caisson.cri.ProtoShape.Rpc;
import io.caisson.cri.ProtoShape.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the {@link ProtoShape} of a proto3 source file: messages (nested too), enums, oneofs, maps,
 * repeated fields and services. Options, reserved ranges, imports and comments are skipped. Type
 * references are resolved to full names after the whole file is read, innermost scope first, as
 * protoc does.
 */
final class ProtoParser {
  private static final Set<String> SCALARS =
      Set.of(
          "double",
          "float",
          "int32",
          "int64",
          "uint32",
          "uint64",
          "sint32",
          "sint64",
          "fixed32",
          "fixed64",
          "sfixed32",
          "sfixed64",
          "bool",
          "string",
          "bytes");

  private record Token(String text, int line) {}

  private final List<Token> tokens;
  private int pos;
  private String pkg = "";
  private final Map<String, Service> services = new TreeMap<>();
  private final Map<String, Message> messages = new TreeMap<>();
  private final Map<String, EnumType> enums = new TreeMap<>();

  private ProtoParser(String text) {
    this.tokens = tokenize(text);
  }

  static ProtoShape parse(String text) {
    var parser = new ProtoParser(text);
    parser.file();
    return parser.resolved();
  }

  // --- tokens: words (identifiers, dotted names, numbers), quoted strings, single symbols

  private static List<Token> tokenize(String text) {
    var tokens = new ArrayList<Token>();
    int line = 1;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      int end;
      if (Character.isWhitespace(c)) {
        end = i + 1;
      } else if (text.startsWith("//", i)) {
        end = after(text, "\n", i);
      } else if (text.startsWith("/*", i)) {
        end = after(text, "*/", i + 2);
      } else if (c == '"' || c == '\'') {
        end = i + 1;
        while (end < text.length() && text.charAt(end) != c) {
          end += text.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(end + 1, text.length());
        tokens.add(new Token(text.substring(i, end), line));
      } else if (isWordChar(c)) {
        end = i;
        while (end < text.length() && isWordChar(text.charAt(end))) {
          end++;
        }
        tokens.add(new Token(text.substring(i, end), line));
      } else {
        end = i + 1;
        tokens.add(new Token(String.valueOf(c), line));
      }
      line += (int) text.substring(i, end).chars().filter(ch -> ch == '\n').count();
      i = end;
    }
    return tokens;
  }

  private static int after(String text, String marker, int from) {
    int at = text.indexOf(marker, from);
    return at < 0 ? text.length() : at + marker.length();
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.';
  }

  // --- grammar

  private void file() {
    while (pos < tokens.size()) {
      switch (next()) {
        case "syntax" -> {
          expect("=");
          String syntax = next();
          if (!syntax.equals("\"proto3\"")) {
            throw error("only proto3 is supported, found " + syntax);
          }
          expect(";");
        }
        case "package" -> {
          pkg = next();
          expect(";");
        }
        case "import", "option" -> skipStatement();
        case "message" -> message(pkg);
        case "enum" -> enumType(pkg);
        case "service" -> service();
        case ";" -> {}
        default -> throw error("unexpected '" + previous() + "' at top level");
      }
    }
  }

  private void message(String scope) {
    String name = qualify(scope, next());
    expect("{");
    var fields = new LinkedHashMap<String, Field>();
    while (!accept("}")) {
      String token = next();
      switch (token) {
        case "message" -> message(name);
        case "enum" -> enumType(name);
        case "option", "reserved", "extensions" -> skipStatement();
        case "oneof" -> oneof(fields);
        case "map" -> mapField(fields, null);
        case "repeated" -> field(fields, next(), true, null);
        case "optional" -> field(fields, next(), false, null);
        case ";" -> {}
        default -> field(fields, token, false, null);
      }
    }
    messages.put(name, new Message(name, fields));
  }

  private void oneof(Map<String, Field> fields) {
    String oneof = next();
    expect("{");
    while (!accept("}")) {
      String token = next();
      switch (token) {
        case "option" -> skipStatement();
        case "map" -> mapField(fields, oneof);
        case ";" -> {}
        default -> field(fields, token, false, oneof);
      }
    }
  }

  /** A field with its type already consumed; the type stays unresolved until the end. */
  private void field(Map<String, Field> fields, String type, boolean repeated, String oneof) {
    String name = next();
    expect("=");
    int number = number();
    skipFieldOptions();
    expect(";");
    put(fields, new Field(name, number, type, repeated, null, null, oneof));
  }

  private void mapField(Map<String, Field> fields, String oneof) {
    expect("<");
    String key = next();
    expect(",");
    String value = next();
    expect(">");
    String name = next();
    expect("=");
    int number = number();
    skipFieldOptions();
    expect(";");
    put(fields, new Field(name, number, "map", false, key, value, oneof));
  }

  private void put(Map<String, Field> fields, Field field) {
    if (fields.putIfAbsent(field.name(), field) != null) {
      throw error("field " + field.name() + " declared twice");
    }
  }

  private void enumType(String scope) {
    String name = qualify(scope, next());
    expect("{");
    var values = new LinkedHashMap<String, Integer>();
    while (!accept("}")) {
      String token = next();
      switch (token) {
        case "option", "reserved" -> skipStatement();
        case ";" -> {}
        default -> {
          expect("=");
          int number = number();
          skipFieldOptions();
          expect(";");
          values.put(token, number);
        }
      }
    }
    enums.put(name, new EnumType(name, values));
  }

  private void service() {
    String name = qualify(pkg, next());
    expect("{");
    var rpcs = new LinkedHashMap<String, Rpc>();
    while (!accept("}")) {
      switch (next()) {
        case "option" -> skipStatement();
        case ";" -> {}
        case "rpc" -> {
          String rpc = next();
          expect("(");
          boolean clientStreaming = accept("stream");
          String input = next();
          expect(")");
          expect("returns");
          expect("(");
          boolean serverStreaming = accept("stream");
          String output = next();
          expect(")");
          if (accept("{")) {
            while (!accept("}")) {
              if (accept("option")) {
                skipStatement();
              } else {
                expect(";");
              }
            }
          } else {
            expect(";");
          }
          rpcs.put(rpc, new Rpc(rpc, input, output, clientStreaming, serverStreaming));
        }
        default -> throw error("unexpected '" + previous() + "' in service " + name);
      }
    }
    services.put(name, new Service(name, rpcs));
  }

  /** Skips to the ';' that ends this statement; option values may hold {...} literals. */
  private void skipStatement() {
    int depth = 0;
    while (true) {
      String token = next();
      if (token.equals("{")) {
        depth++;
      } else if (token.equals("}")) {
        depth--;
      } else if (token.equals(";") && depth == 0) {
        return;
      }
    }
  }

  /** Skips "[deprecated = true, (gogoproto.nullable) = false]" after a field or enum value. */
  private void skipFieldOptions() {
    if (!accept("[")) {
      return;
    }
    int depth = 1;
    while (depth > 0) {
      String token = next();
      if (token.equals("[")) {
        depth++;
      } else if (token.equals("]")) {
        depth--;
      }
    }
  }

  private int number() {
    boolean negative = accept("-");
    String text = next();
    try {
      int value = Integer.decode(text);
      return negative ? -value : value;
    } catch (NumberFormatException e) {
      throw error("expected a number, found '" + text + "'");
    }
  }

  private String next() {
    if (pos >= tokens.size()) {
      throw new IllegalArgumentException("proto ends unexpectedly");
    }
    return tokens.get(pos++).text();
  }

  private String previous() {
    return tokens.get(pos - 1).text();
  }

  private boolean accept(String text) {
    if (pos < tokens.size() && tokens.get(pos).text().equals(text)) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(String text) {
    String token = next();
    if (!token.equals(text)) {
      pos--;
      throw error("expected '" + text + "', found '" + token + "'");
    }
  }

  private IllegalArgumentException error(String message) {
    int line = tokens.get(Math.min(pos, tokens.size()) - 1).line();
    return new IllegalArgumentException("proto line " + line + ": " + message);
  }

  private static String qualify(String scope, String name) {
    return scope.isEmpty() ? name : scope + "." + name;
  }

  // --- type resolution, once every message and enum is known

  private ProtoShape resolved() {
    var known = new HashSet<String>(messages.keySet());
    known.addAll(enums.keySet());
    var resolvedMessages = new TreeMap<String, Message>();
    for (Message message : messages.values()) {
      String scope = message.fullName();
      var fields = new LinkedHashMap<String, Field>();
      for (Field f : message.fields().values()) {
        fields.put(
            f.name(),
            new Field(
                f.name(),
                f.number(),
                resolve(known, scope, f.type()),
                f.repeated(),
                resolve(known, scope, f.mapKey()),
                resolve(known, scope, f.mapValue()),
                f.oneof()));
      }
      resolvedMessages.put(scope, new Message(scope, fields));
    }
    var resolvedServices = new TreeMap<String, Service>();
    for (Service service : services.values()) {
      var rpcs = new LinkedHashMap<String, Rpc>();
      for (Rpc r : service.rpcs().values()) {
        rpcs.put(
            r.name(),
            new Rpc(
                r.name(),
                resolve(known, pkg, r.input()),
                resolve(known, pkg, r.output()),
                r.clientStreaming(),
                r.serverStreaming()));
      }
      resolvedServices.put(service.fullName(), new Service(service.fullName(), rpcs));
    }
    return new ProtoShape(pkg, resolvedServices, resolvedMessages, enums);
  }

  /**
   * Looks {@code name} up in {@code scope}, then in each enclosing scope out to the root. Scalars,
   * the "map" marker and null (no map key or value) pass through.
   */
  private static String resolve(Set<String> known, String scope, String name) {
    if (name == null || name.equals("map") || SCALARS.contains(name)) {
      return name;
    }
    if (name.startsWith(".")) {
      return name.substring(1);
    }
    for (String s = scope; ; s = s.contains(".") ? s.substring(0, s.lastIndexOf('.')) : "") {
      String candidate = qualify(s, name);
      if (known.contains(candidate)) {
        return candidate;
      }
      if (s.isEmpty()) {
        throw new IllegalArgumentException("unknown type " + name + " used in " + scope);
      }
    }
  }
}
