package io.caisson.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What Caisson keeps about a pod sandbox besides its CRI config: state, where its namespaces and
 * files are, what the network gave it. Persisted as JSON; replaced whole on every change.
 *
 * @param netns pinned network namespace file, or null for host network (likewise ipcns, utsns)
 * @param shm the pod's /dev/shm mount, or null when the pod uses the host IPC namespace
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SandboxRecord(
    String id,
    String name,
    String namespace,
    String uid,
    int attempt,
    String runtimeHandler,
    long createdAtNanos,
    SandboxState state,
    String ip,
    List<String> additionalIps,
    String netns,
    String ipcns,
    String utsns,
    String dir,
    String shm,
    String hostname,
    String infraContainerId) {

  public SandboxRecord withState(SandboxState newState) {
    return new SandboxRecord(
        id,
        name,
        namespace,
        uid,
        attempt,
        runtimeHandler,
        createdAtNanos,
        newState,
        ip,
        additionalIps,
        netns,
        ipcns,
        utsns,
        dir,
        shm,
        hostname,
        infraContainerId);
  }

  public SandboxRecord withNetwork(String podIp, List<String> moreIps) {
    return new SandboxRecord(
        id,
        name,
        namespace,
        uid,
        attempt,
        runtimeHandler,
        createdAtNanos,
        state,
        podIp,
        moreIps,
        netns,
        ipcns,
        utsns,
        dir,
        shm,
        hostname,
        infraContainerId);
  }

  /** The key that makes a sandbox unique in CRI: the same metadata may not run twice. */
  public String nameKey() {
    return SandboxNames.key(name, namespace, uid, attempt);
  }
}
