package io.caisson.container.cdi;

import io.caisson.json.JsonName;
import io.caisson.json.JsonValue;
import io.caisson.json.RefuseUnknown;
import java.util.List;
import java.util.Map;

/**
 * One Container Device Interface spec file (cdiVersion 0.3.0 to 1.0.x): a vendor's devices of one
 * kind and what injecting each does to a container. The spec and its devices tolerate fields this
 * reader does not know (descriptions a newer version may add); the edits do not, since an edit left
 * out would give a container less than its device needs without anyone noticing.
 */
public record CdiSpec(
    @JsonName("cdiVersion") String version,
    String kind,
    Map<String, String> annotations,
    List<Device> devices,
    ContainerEdits containerEdits) {

  /** A device of the spec's kind, named {@code kind=name} by those who ask for it. */
  public record Device(
      String name, Map<String, String> annotations, ContainerEdits containerEdits) {}

  /**
   * What a device (or, for all devices of a spec, the spec itself) adds to a container. {@code
   * intelRdt} and {@code netDevices} are read only to refuse them by name.
   */
  @RefuseUnknown
  public record ContainerEdits(
      List<String> env,
      List<DeviceNode> deviceNodes,
      List<Hook> hooks,
      List<Mount> mounts,
      JsonValue intelRdt,
      List<Long> additionalGids,
      JsonValue netDevices) {}

  /**
   * A device node at {@code path} in the container, made after {@code hostPath} (the same path when
   * absent); type and numbers, when left out, are the host node's.
   */
  @RefuseUnknown
  public record DeviceNode(
      String path,
      String hostPath,
      String type,
      Long major,
      Long minor,
      Integer fileMode,
      String permissions,
      Long uid,
      Long gid) {}

  /** A bind (or other) mount of {@code hostPath} at {@code containerPath}. */
  @RefuseUnknown
  public record Mount(String hostPath, String containerPath, List<String> options, String type) {}

  /** An OCI hook for the stage {@code hookName}. */
  @RefuseUnknown
  public record Hook(
      String hookName, String path, List<String> args, List<String> env, Integer timeout) {}
}
