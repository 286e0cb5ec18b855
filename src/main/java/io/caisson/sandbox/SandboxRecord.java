package io.caisson.sandbox;

import io.caisson.oci.OciRuntimes;
import java.util.List;

/**
 * What Caisson keeps about a pod sandbox besides its CRI config: state, where its namespaces and
 * files are, what the network gave it. Persisted as JSON; replaced whole on every change.
 *
 * @param netns pinned network namespace file, or null for host network (likewise ipcns, utsns)
 * @param shm the pod's /dev/shm mount, or null when the pod uses the host IPC namespace
 * @param userns the pod's pinned user namespace, or null when it runs in the node's (as do its ids)
 * @param uids how the pod's user namespace maps user ids; null with the node's
 * @param gids how it maps group ids; null with the node's
 * @param runtime the runtime the pod's containers run with, as configured when the pod was made;
 *     null in records written before pods kept it (the default one)
 */
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
    String infraContainerId,
    String userns,
    UserNamespaces.IdRange uids,
    UserNamespaces.IdRange gids,
    OciRuntimes.Binding runtime) {

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
        infraContainerId,
        userns,
        uids,
        gids,
        runtime);
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
        infraContainerId,
        userns,
        uids,
        gids,
        runtime);
  }

  /** The key that makes a sandbox unique in CRI: the same metadata may not run twice. */
  public String nameKey() {
    return SandboxNames.key(name, namespace, uid, attempt);
  }
}
