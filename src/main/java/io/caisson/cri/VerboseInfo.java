package io.caisson.cri;

import io.caisson.container.ContainerRecord;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.image.ChainId;
import io.caisson.image.Digest;
import io.caisson.image.ImageRecord;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import io.caisson.json.JsonValue;
import io.caisson.sandbox.SandboxRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "info" JSON of verbose status answers ({@code crictl inspect}, {@code inspectp}, {@code
 * inspecti}). For containers and pods, Caisson's record of the object, plus the keys that
 * containerd and CRI-O give and that operators' scripts read: {@code sandboxID}, {@code config}
 * (the CRI config as kubelet sent it, after updates) and, for a container, {@code runtimeSpec} (the
 * OCI spec runc created it from).
 */
final class VerboseInfo {
  private static final Logger LOG = LoggerFactory.getLogger(VerboseInfo.class);

  private VerboseInfo() {}

  /** A container's: its record, sandboxID, config and the runtimeSpec in its bundle. */
  static String container(ContainerRecord record, ContainerConfig config) throws IOException {
    JsonObject info = (JsonObject) JsonRecords.STANDARD.toTree(record);
    info.put("sandboxID", record.sandboxId());
    info.set("config", ProtoJson.tree(config));
    runtimeSpec(Path.of(record.bundle())).ifPresent(spec -> info.set("runtimeSpec", spec));
    return Json.write(info);
  }

  /** A pod's: its record and config. */
  static String sandbox(SandboxRecord record, PodSandboxConfig config) throws IOException {
    JsonObject info = (JsonObject) JsonRecords.STANDARD.toTree(record);
    info.set("config", ProtoJson.tree(config));
    return Json.write(info);
  }

  /**
   * An image's, in the shape containerd and CRI-O give, so {@code crictl inspecti} templates such
   * as {@code {{.info.imageSpec.config.Env}}} work alike: the OCI image config as {@code imageSpec}
   * and the layer stack's {@code chainID}.
   */
  static String image(ImageRecord record, String configJson) throws IOException {
    JsonObject info = new JsonObject();
    info.set("imageSpec", Json.parse(configJson));
    Digest chainId = ChainId.of(record.layers());
    if (chainId != null) {
      info.put("chainID", chainId.toString());
    }
    return Json.write(info);
  }

  /** The bundle's config.json; none once the container is removed or its bundle is gone. */
  private static Optional<JsonValue> runtimeSpec(Path bundle) {
    try {
      return Optional.of(Json.parse(Files.readAllBytes(bundle.resolve("config.json"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("{}: unreadable OCI spec: {}", bundle, e.getMessage());
      return Optional.empty();
    }
  }
}
