package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonException;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import io.caisson.json.JsonValue;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON for OCI documents: the bundle's config.json, process specs for exec, runc's answers. */
public final class OciJson {
  private static final String POSTSTART_HOOKS = "poststart-hooks";

  private OciJson() {}

  public static byte[] bytes(Object value) {
    return JsonRecords.STANDARD.bytes(value);
  }

  public static String string(Object value) {
    return JsonRecords.STANDARD.string(value);
  }

  /** Reads runc's answer or a document into a record. */
  public static <T> T read(byte[] json, Class<T> type) throws JsonException {
    return JsonRecords.STANDARD.read(json, type);
  }

  /** Writes the spec as {@code bundle/config.json}. */
  public static void writeConfig(Path bundle, OciSpec spec) {
    Path file = bundle.resolve("config.json");
    try {
      if (spec.hooks() != null
          && spec.hooks().poststart() != null
          && !spec.hooks().poststart().isEmpty()) {
        Files.write(bundle.resolve(POSTSTART_HOOKS), new byte[0]);
      }
      // Atomic against a kill, not flushed: a bundle does not outlive a reboot.
      AtomicFiles.replace(file, bytes(spec));
    } catch (IOException e) {
      throw CaissonException.internal("cannot write the OCI spec " + file, e);
    }
  }

  /**
   * Whether the bundle's spec has poststart hooks. runc 1.2 and later run them in {@code runc
   * start}, so such a container must be started by it rather than through its exec FIFO; a marker
   * file beside config.json says so without parsing the spec on every start.
   */
  public static boolean hasPoststartHooks(Path bundle) {
    return Files.exists(bundle.resolve(POSTSTART_HOOKS));
  }

  /**
   * Records in {@code bundle/config.json} the resources {@code runc update} just applied, so the
   * spec that inspect shows and a checkpoint archives is the one the container runs under. Each
   * group given (memory, cpu, pids, ...) replaces the spec's, as runc replaces it in the cgroup;
   * device rules, which an update never changes, stay.
   */
  public static void updateResources(Path bundle, OciSpec.Resources applied) throws IOException {
    Path file = bundle.resolve("config.json");
    JsonValue spec = Json.parse(file);
    if (!(spec instanceof JsonObject root)) {
      throw new IOException(file + " is not a JSON object");
    }
    JsonObject linux =
        root.get("linux") instanceof JsonObject existing ? existing : root.putObject("linux");
    JsonObject resources =
        linux.get("resources") instanceof JsonObject existing
            ? existing
            : linux.putObject("resources");
    JsonRecords.STANDARD
        .toTree(applied)
        .properties()
        .forEach(e -> resources.set(e.getKey(), e.getValue()));
    AtomicFiles.replace(file, Json.bytes(root));
  }

  public static OciSpec readConfig(Path bundle) throws IOException {
    return JsonRecords.STANDARD.fromTree(Json.parse(bundle.resolve("config.json")), OciSpec.class);
  }
}
