package io.caisson.container;

import io.caisson.config.CaissonConfig;
import io.caisson.config.DeviceMapping;
import io.caisson.cri.v1.Device;
import io.caisson.linux.CgroupHierarchies;
import io.caisson.oci.OciSpec;
import io.caisson.oci.SeccompProfiles;
import io.caisson.oci.Ulimits;
import java.nio.file.Path;
import java.util.List;

/**
 * What the node's configuration gives every container, read once from the config (which was checked
 * when it was loaded): the capabilities of a container that is not privileged, resource limits,
 * environment, the RuntimeDefault seccomp profile, device ownership, extra devices, the OCI hook
 * directories, what becomes of the volumes an image declares, and the most a log file holds.
 */
record NodeDefaults(
    List<String> capabilities,
    List<OciSpec.Rlimit> rlimits,
    List<String> env,
    SeccompProfiles.RuntimeDefault seccomp,
    boolean deviceOwnershipFromSecurityContext,
    List<Device> additionalDevices,
    OciHooks hooks,
    DeclaredVolumes.Mode declaredVolumes,
    long logSizeMax,
    boolean cgroupV2,
    boolean swapAccounting) {

  static NodeDefaults of(CaissonConfig config) {
    return new NodeDefaults(
        CapabilitySet.defaults(config.defaultCapabilities()),
        Ulimits.parse(config.defaultUlimits()),
        List.copyOf(config.defaultEnv()),
        config.seccompProfile() == null
            ? SeccompProfiles.RuntimeDefault.builtIn()
            : SeccompProfiles.RuntimeDefault.fromFile(config.seccompProfile()),
        config.deviceOwnershipFromSecurityContext(),
        config.additionalDevices().stream()
            .map(DeviceMapping::parse)
            .map(
                d ->
                    Device.newBuilder()
                        .setHostPath(d.hostPath())
                        .setContainerPath(d.containerPath())
                        .setPermissions(d.permissions())
                        .build())
            .toList(),
        new OciHooks(config.hooksDirs()),
        DeclaredVolumes.Mode.of(config.imageVolumes()),
        config.logSizeMax(),
        // Read once: the node's cgroup mode does not change under a running daemon.
        CgroupHierarchies.unified(Path.of("/sys/fs/cgroup")),
        swapAccounting(Path.of("/sys/fs/cgroup")));
  }

  /**
   * Whether a container's swap can be limited: cgroup v1 only with swap accounting (memory.memsw.*,
   * swapaccount=1), where runc fails to write a swap limit without it; on v2 runc leaves
   * memory.swap.max alone where the kernel has none.
   */
  static boolean swapAccounting(Path cgroupRoot) {
    return CgroupHierarchies.unified(cgroupRoot)
        || java.nio.file.Files.exists(cgroupRoot.resolve("memory/memory.memsw.limit_in_bytes"));
  }
}
