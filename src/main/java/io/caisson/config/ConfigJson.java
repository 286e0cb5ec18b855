package io.caisson.config;

import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import io.caisson.json.JsonString;
import java.time.Duration;

/** The config as operators see it written out: plain paths, "1m" durations. */
public final class ConfigJson {
  private static final JsonRecords RECORDS =
      JsonRecords.STANDARD.with(
          Duration.class,
          new JsonRecords.Codec<>(
              duration -> new JsonString(DurationText.format(duration)),
              text -> DurationText.parse(text.asText())));

  private ConfigJson() {}

  /** The config as a tree: what {@link ConfigChange} compares and the TOML dump writes. */
  public static JsonObject tree(CaissonConfig config) {
    return (JsonObject) RECORDS.toTree(config);
  }

  /** A config value as JSON text, for the verbose Status info. */
  public static String json(Object value) {
    return RECORDS.string(value);
  }
}
