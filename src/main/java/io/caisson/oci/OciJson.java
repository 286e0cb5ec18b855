package io.caisson.oci;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caisson.common.CaissonException;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON for OCI documents: the bundle's config.json, process specs for exec, runc's answers. */
public final class OciJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

  private static final String POSTSTART_HOOKS = "poststart-hooks";

  private OciJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw CaissonException.internal("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  public static String string(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw CaissonException.internal("cannot serialize " + value.getClass().getSimpleName(), e);
    }
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
    JsonNode spec = MAPPER.readTree(file.toFile());
    if (!(spec instanceof ObjectNode root)) {
      throw new IOException(file + " is not a JSON object");
    }
    ObjectNode linux =
        root.get("linux") instanceof ObjectNode existing ? existing : root.putObject("linux");
    ObjectNode resources =
        linux.get("resources") instanceof ObjectNode existing
            ? existing
            : linux.putObject("resources");
    MAPPER.valueToTree(applied).properties().forEach(e -> resources.set(e.getKey(), e.getValue()));
    AtomicFiles.replace(file, MAPPER.writeValueAsBytes(root));
  }

  public static OciSpec readConfig(Path bundle) throws IOException {
    return MAPPER.readValue(bundle.resolve("config.json").toFile(), OciSpec.class);
  }
}
