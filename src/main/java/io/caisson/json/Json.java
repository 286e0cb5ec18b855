package io.caisson.json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** The everyday calls: parse with the standard reader, write compact or pretty text. */
public final class Json {
  private Json() {}

  public static JsonValue parse(String text) throws JsonException {
    return JsonReader.standard().read(text);
  }

  public static JsonValue parse(byte[] utf8) throws JsonException {
    return JsonReader.standard().read(utf8);
  }

  public static JsonValue parse(Path file) throws IOException {
    return JsonReader.standard().read(file);
  }

  public static JsonValue parse(InputStream in) throws IOException {
    return JsonReader.standard().read(in);
  }

  public static String write(JsonValue value) {
    return JsonWriter.compact(value);
  }

  public static byte[] bytes(JsonValue value) {
    return JsonWriter.compactBytes(value);
  }

  public static String pretty(JsonValue value) {
    return JsonWriter.pretty(value);
  }
}
