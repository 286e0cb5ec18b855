package io.caisson.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Mappers that write the config as operators see it: plain paths, "1m" durations. */
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
    module.addSerializer(
        Duration.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider)
              throws IOException {
            gen.writeString(DurationText.format(value));
          }
        });
    return module;
  }

  /**
   * TOML: parses files into trees ({@link ConfigBinder} reads those) and writes the effective
   * config back out.
   */
  public static TomlMapper toml() {
    return TomlMapper.builder()
        .addModule(module())
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .build();
  }

  /** JSON for the verbose Status info. */
  public static ObjectMapper json() {
    return JsonMapper.builder().addModule(module()).build();
  }
}
