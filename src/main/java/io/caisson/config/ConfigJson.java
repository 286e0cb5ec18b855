package io.caisson.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Mappers that read and write the config as operators see it: plain paths, "1m" durations. */
public final class ConfigJson {
  private ConfigJson() {}

  static SimpleModule module() {
    SimpleModule module = new SimpleModule("caisson-config");
    module.addSerializer(
        Path.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Path value, JsonGenerator gen, SerializerProvider provider)
              throws IOException {
            gen.writeString(value.toString());
          }
        });
    module.addDeserializer(
        Path.class,
        new JsonDeserializer<>() {
          @Override
          public Path deserialize(JsonParser parser, DeserializationContext context)
              throws IOException {
            String text = parser.getValueAsString();
            return text == null || text.isEmpty() ? null : Path.of(text);
          }
        });
    module.addSerializer(
        Duration.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider)
              throws IOException {
            gen.writeString(DurationText.format(value));
          }
        });
    module.addDeserializer(
        Duration.class,
        new JsonDeserializer<>() {
          @Override
          public Duration deserialize(JsonParser parser, DeserializationContext context)
              throws IOException {
            String text = parser.getValueAsString();
            try {
              return DurationText.parse(text);
            } catch (IllegalArgumentException e) {
              throw context.weirdStringException(text, Duration.class, e.getMessage());
            }
          }
        });
    return module;
  }

  /** TOML, strict: an unknown key is an error, not silently ignored. */
  public static TomlMapper toml() {
    return TomlMapper.builder()
        .addModule(module())
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .build();
  }

  /** JSON for the verbose Status info. */
  public static ObjectMapper json() {
    return JsonMapper.builder().addModule(module()).build();
  }
}
