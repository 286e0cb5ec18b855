package io.caisson.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint archive says about its container, enough to create it again: the readable
 * fields a person or another tool needs (image, command, env, mounts, labels...) and the complete
 * CRI config it was created with (protobuf, base64). Restore reads only the processes' own
 * settings, the mount points and the image from it; whatever grants privileges (security context,
 * devices, host paths, annotations) is the restoring request's, as an archive is untrusted input.
 *
 * @param version the format version; readers refuse a newer one
 * @param criContainerConfig base64 of the {@link ContainerConfig} protobuf, or null
 */
public record CheckpointMetadata(
    int version,
    String containerId,
    String name,
    int attempt,
    String imageRef,
    String imageId,
    List<String> command,
    List<String> args,
    String workingDir,
    List<String> env,
    List<MountInfo> mounts,
    Map<String, String> labels,
    Map<String, String> annotations,
    boolean tty,
    boolean stdin,
    boolean stdinOnce,
    long checkpointedAtNanos,
    String criContainerConfig) {

  public static final int VERSION = 1;

  /** One bind mount as the CRI describes it. */
  public record MountInfo(
      String containerPath, String hostPath, boolean readonly, String propagation) {}

  public CheckpointMetadata {
    command = command == null ? List.of() : List.copyOf(command);
    args = args == null ? List.of() : List.copyOf(args);
    env = env == null ? List.of() : List.copyOf(env);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    workingDir = workingDir == null ? "" : workingDir;
  }

  /** The metadata of a container created from {@code config}, checkpointed now. */
  public static CheckpointMetadata of(
      String containerId, String imageRef, String imageId, ContainerConfig config, long atNanos) {
    return new CheckpointMetadata(
        VERSION,
        containerId,
        config.getMetadata().getName(),
        config.getMetadata().getAttempt(),
        imageRef,
        imageId,
        config.getCommandList(),
        config.getArgsList(),
        config.getWorkingDir(),
        config.getEnvsList().stream().map(kv -> kv.getKey() + "=" + kv.getValue()).toList(),
        config.getMountsList().stream()
            .map(
                m ->
                    new MountInfo(
                        m.getContainerPath(),
                        m.getHostPath(),
                        m.getReadonly(),
                        m.getPropagation().name()))
            .toList(),
        new LinkedHashMap<>(config.getLabelsMap()),
        new LinkedHashMap<>(config.getAnnotationsMap()),
        config.getTty(),
        config.getStdin(),
        config.getStdinOnce(),
        atNanos,
        Base64.getEncoder().encodeToString(config.toByteArray()));
  }

  /**
   * The CRI config the container was created with: the embedded protobuf when there is one (it is
   * complete), else rebuilt from the readable fields.
   */
  public ContainerConfig containerConfig() {
    if (criContainerConfig != null && !criContainerConfig.isEmpty()) {
      try {
        return ContainerConfig.parseFrom(Base64.getDecoder().decode(criContainerConfig));
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        throw CaissonException.invalid(
            "checkpoint metadata of %s holds an unreadable container config: %s",
            containerId, e.getMessage());
      }
    }
    ContainerConfig.Builder config =
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(attempt))
            .setImage(ImageSpec.newBuilder().setImage(imageRef))
            .addAllCommand(command)
            .addAllArgs(args)
            .setWorkingDir(workingDir)
            .putAllLabels(labels)
            .putAllAnnotations(annotations)
            .setTty(tty)
            .setStdin(stdin)
            .setStdinOnce(stdinOnce);
    for (String e : env) {
      int eq = e.indexOf('=');
      config.addEnvs(
          KeyValue.newBuilder()
              .setKey(eq < 0 ? e : e.substring(0, eq))
              .setValue(eq < 0 ? "" : e.substring(eq + 1)));
    }
    for (MountInfo m : mounts) {
      config.addMounts(
          Mount.newBuilder()
              .setContainerPath(m.containerPath())
              .setHostPath(m.hostPath())
              .setReadonly(m.readonly())
              .setPropagation(propagation(m.propagation())));
    }
    return config.build();
  }

  private static MountPropagation propagation(String name) {
    if (name == null || name.isEmpty()) {
      return MountPropagation.PROPAGATION_PRIVATE;
    }
    try {
      return MountPropagation.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw CaissonException.invalid("checkpoint metadata: unknown mount propagation %s", name);
    }
  }
}
