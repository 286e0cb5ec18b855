package io.caisson.daemon;

import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Node-level facts kubelet hands the runtime (today: the pod CIDR from UpdateRuntimeConfig), kept
 * in a file under the root dir so they survive a restart.
 */
public final class NodeState {
  private final Path podCidrFile;
  private volatile String podCidr;

  public NodeState(Path root) throws IOException {
    this.podCidrFile = root.resolve("pod-cidr");
    this.podCidr =
        Files.exists(podCidrFile)
            ? Files.readString(podCidrFile, StandardCharsets.UTF_8).strip()
            : "";
  }

  public String podCidr() {
    return podCidr;
  }

  public void setPodCidr(String cidr) throws IOException {
    AtomicFiles.write(podCidrFile, cidr.getBytes(StandardCharsets.UTF_8));
    this.podCidr = cidr;
  }
}
