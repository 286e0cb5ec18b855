package io.caisson.sandbox;

import io.caisson.cri.v1.PodSandboxConfig;
import java.nio.file.Path;
import java.util.List;

/** What the sandbox lifecycle needs from pod networking (CNI in production). */
public interface SandboxNetwork {

  /** The addresses the network gave the pod: the primary first. */
  record PodIps(String primary, List<String> additional) {}

  /** Attaches the pod's network namespace; on failure nothing stays attached. */
  PodIps attach(String sandboxId, PodSandboxConfig config, Path netns) throws Exception;

  /** Detaches; harmless when never attached or already detached. */
  void detach(String sandboxId, PodSandboxConfig config, Path netns) throws Exception;

  /** Writes hostname, resolv.conf and hosts for the pod into {@code dir}. */
  void writePodFiles(Path dir, PodSandboxConfig config, String hostname, String podIp)
      throws Exception;
}
