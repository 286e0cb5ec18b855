package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an OCI image configuration that containers use. Lists and maps are never null;
 * strings are empty when unset. {@code volumes} and {@code exposedPorts} keep only the keys.
 */
public record ImageConfig(
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String user,
    String stopSignal,
    List<String> volumes,
    Map<String, String> labels,
    List<String> exposedPorts,
    String os,
    String architecture) {

  /** Parsed config plus its diff ids (rootfs.diff_ids), which identify the unpacked layers. */
  record Parsed(ImageConfig config, List<Digest> diffIds) {}

  static Parsed parse(byte[] json) {
    JsonValue root;
    try {
      root = Json.parse(json);
    } catch (IOException e) {
      throw CaissonException.invalid("image config is not valid JSON: %s", e.getMessage());
    }
    JsonValue c = root.path("config");
    List<Digest> diffIds = new ArrayList<>();
    for (JsonValue d : root.path("rootfs").path("diff_ids")) {
      diffIds.add(Digest.parse(d.asText()));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    ImageConfig config =
        new ImageConfig(
            strings(c.path("Env")),
            strings(c.path("Entrypoint")),
            strings(c.path("Cmd")),
            c.path("WorkingDir").asText(""),
            c.path("User").asText(""),
            c.path("StopSignal").asText(""),
            keys(c.path("Volumes")),
            Map.copyOf(labels),
            keys(c.path("ExposedPorts")),
            root.path("os").asText(""),
            root.path("architecture").asText(""));
    return new Parsed(config, List.copyOf(diffIds));
  }

  private static List<String> strings(JsonValue array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return List.copyOf(out);
  }

  private static List<String> keys(JsonValue object) {
    List<String> out = new ArrayList<>();
    object.properties().forEach(e -> out.add(e.getKey()));
    return List.copyOf(out);
  }
}
