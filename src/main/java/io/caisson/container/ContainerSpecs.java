package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.container.cdi.CdiInjection;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Device;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.image.ImageConfig;
import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import io.caisson.oci.SeccompProfiles;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.sandbox.UserNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a CRI container config, its pod and its image into an OCI runtime spec. Pure translation:
 * everything it needs is passed in, so the rules are testable without a kernel.
 */
public final class ContainerSpecs {
  private ContainerSpecs() {}

  /**
   * @param rootfs the mounted root filesystem
   * @param identity the user the process runs as, already resolved through the image
   * @param pidNamespace the pod's shared PID namespace file, or null when the container has its own
   *     (or the host's, see {@code hostPid})
   * @param cgroupsPath where runc puts the container's cgroup
   * @param daemonOomScoreAdj the daemon's own oom_score_adj: a container may not go below it here
   * @param recursiveReadOnlyMounts whether the runtime and kernel can make a mount read-only with
   *     everything mounted below it
   * @param mountSources where each of the config's mounts comes from, in order: its host path, or
   *     an idmapped clone of it
   * @param devices the host's device nodes the container gets (see {@link HostDevices}): the
   *     config's, and for a privileged container every one under /dev
   * @param cdiDevices what the CDI devices the config asks for add, applied last
   * @param declaredVolumes bind mounts for the image's own volumes (see {@link DeclaredVolumes}),
   *     each added unless a mount is at its path already
   * @param hostDevicesIfPrivileged whether a privileged container may use every device of the node
   *     (false for a runtime with {@code privileged_without_host_devices})
   * @param podAnnotations the pod's annotations, which OCI hooks match with the container's
   */
  public record Inputs(
      String containerId,
      ContainerConfig config,
      SandboxRecord sandbox,
      ImageConfig image,
      Path rootfs,
      ImageUsers.Identity identity,
      Path pidNamespace,
      String cgroupsPath,
      int daemonOomScoreAdj,
      boolean recursiveReadOnlyMounts,
      List<Path> mountSources,
      List<HostDevices.Granted> devices,
      CdiInjection cdiDevices,
      List<OciSpec.Mount> declaredVolumes,
      boolean hostDevicesIfPrivileged,
      NodeDefaults node,
      List<OciHooks.Hook> ociHooks,
      Map<String, String> podAnnotations) {}

  public static OciSpec build(Inputs in) {
    ContainerConfig config = in.config();
    LinuxContainerSecurityContext security = config.getLinux().getSecurityContext();
    boolean privileged = security.getPrivileged();
    OciSpecBuilder spec = OciSpecBuilder.criDefaults();

    spec.root(in.rootfs().toString(), security.getReadonlyRootfs());
    List<String> argv = command(config, in.image());
    spec.args(argv);
    List<String> env = env(in.sandbox().hostname(), in.image(), in.node().env(), config);
    // A terminal needs TERM (kubectl run -it, attach), as containerd sets it; the config's wins.
    spec.env(config.getTty() ? OciSpec.withTerm(env) : env);
    spec.cwd(workingDir(config, in.image()));
    spec.terminal(config.getTty());
    if (in.sandbox().utsns() != null) {
      // runc may only set a hostname in a UTS namespace of the pod's own.
      spec.hostname(in.sandbox().hostname());
    }
    spec.user(in.identity().uid(), in.identity().gid(), in.identity().additionalGids());
    in.node().rlimits().forEach(r -> spec.rlimit(r.type(), r.hard(), r.soft()));

    OciSpec.Capabilities capabilities =
        CapabilitySet.withAmbient(
            CapabilitySet.resolve(
                in.node().capabilities(),
                privileged,
                security.getCapabilities().getAddCapabilitiesList(),
                security.getCapabilities().getDropCapabilitiesList()),
            CapabilitySet.ambient(security.getCapabilities().getAddAmbientCapabilitiesList()));
    spec.capabilities(capabilities);
    List<String> caps = capabilities.bounding();
    spec.noNewPrivileges(security.getNoNewPrivs());

    namespaces(spec, in, security);
    // On cgroup v2 alone, as containerd does: a container mounts cgroup2 as its own root there,
    // and would see every pod's cgroups without a namespace of its own.
    if (in.node().cgroupV2() && !privileged) {
      spec.namespace("cgroup", null);
    }
    podMounts(spec, in.sandbox(), security.getReadonlyRootfs());
    for (int i = 0; i < config.getMountsCount(); i++) {
      userMount(spec, config.getMounts(i), in.mountSources().get(i), in.recursiveReadOnlyMounts());
    }
    in.declaredVolumes().forEach(spec::mountUnlessPresent);
    paths(spec, security, privileged, in.sandbox().userns() != null);
    if (privileged) {
      writableSysfs(spec);
    }
    seccomp(spec, security, privileged, caps, in.node().seccomp());
    refuseUnsupportedLsm(security);
    resources(
        spec, config.getLinux().getResources(), in.daemonOomScoreAdj(), in.node().swapAccounting());
    spec.cgroupsPath(in.cgroupsPath());
    criAnnotations(in).forEach(spec::annotation);
    for (Map.Entry<String, String> annotation : config.getAnnotationsMap().entrySet()) {
      spec.annotation(annotation.getKey(), annotation.getValue());
    }
    if (privileged && in.hostDevicesIfPrivileged()) {
      privilegedDevices(spec);
    }
    for (HostDevices.Granted device : in.devices()) {
      spec.device(
          in.node().deviceOwnershipFromSecurityContext()
                  && isRequested(device.node(), config.getDevicesList())
              ? ownedAsRun(device.node(), security)
              : device.node(),
          device.access());
    }
    in.cdiDevices().applyTo(spec);
    Map<String, String> annotations = new LinkedHashMap<>(in.podAnnotations());
    annotations.putAll(config.getAnnotationsMap());
    OciHooks.applyTo(spec, in.ociHooks(), argv, annotations, config.getMountsCount() > 0);
    return spec.build();
  }

  /**
   * The spec annotations containerd gives a container, which OCI hooks and node tooling (GPU
   * runtimes, monitoring agents) read to tell a pod's containers apart; the config's own
   * annotations are added after them.
   */
  static Map<String, String> criAnnotations(Inputs in) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("io.kubernetes.cri.container-type", "container");
    annotations.put("io.kubernetes.cri.container-name", in.config().getMetadata().getName());
    annotations.put("io.kubernetes.cri.image-name", in.config().getImage().getImage());
    annotations.put("io.kubernetes.cri.sandbox-id", in.sandbox().id());
    annotations.put("io.kubernetes.cri.sandbox-name", in.sandbox().name());
    annotations.put("io.kubernetes.cri.sandbox-namespace", in.sandbox().namespace());
    annotations.put("io.kubernetes.cri.sandbox-uid", in.sandbox().uid());
    return annotations;
  }

  /** CRI's command/args against the image's entrypoint/cmd, as Docker and kubelet define it. */
  static List<String> command(ContainerConfig config, ImageConfig image) {
    List<String> argv = new ArrayList<>();
    if (!config.getCommandList().isEmpty()) {
      argv.addAll(config.getCommandList());
      argv.addAll(config.getArgsList());
    } else {
      argv.addAll(image.entrypoint());
      argv.addAll(config.getArgsList().isEmpty() ? image.cmd() : config.getArgsList());
    }
    if (argv.isEmpty()) {
      throw CaissonException.invalid(
          "container %s has no command: neither the config nor the image names one",
          config.getMetadata().getName());
    }
    return argv;
  }

  /**
   * The process environment: a default PATH, HOSTNAME (the pod's, or the node's on its network:
   * StatefulSet scripts take their ordinal from it, and busybox's sh does not set it), the image's,
   * the node's {@code default_env}, then the container's own, each later one winning.
   */
  static List<String> env(
      String hostname, ImageConfig image, List<String> nodeDefaults, ContainerConfig config) {
    Map<String, String> merged = new LinkedHashMap<>();
    merged.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (hostname != null && !hostname.isEmpty()) {
      merged.put("HOSTNAME", hostname);
    }
    for (List<String> entries : List.of(image.env(), nodeDefaults)) {
      for (String entry : entries) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
          merged.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
    }
    for (KeyValue kv : config.getEnvsList()) {
      if (kv.getKey().isEmpty() || kv.getKey().contains("=")) {
        throw CaissonException.invalid("environment variable name '%s' is invalid", kv.getKey());
      }
      merged.put(kv.getKey(), kv.getValue());
    }
    List<String> env = new ArrayList<>();
    merged.forEach((key, value) -> env.add(key + "=" + value));
    return env;
  }

  private static String workingDir(ContainerConfig config, ImageConfig image) {
    if (!config.getWorkingDir().isEmpty()) {
      if (!config.getWorkingDir().startsWith("/")) {
        throw CaissonException.invalid(
            "working_dir '%s' must be an absolute path", config.getWorkingDir());
      }
      return config.getWorkingDir();
    }
    return image.workingDir().isEmpty() ? "/" : image.workingDir();
  }

  private static void namespaces(
      OciSpecBuilder spec, Inputs in, LinuxContainerSecurityContext security) {
    SandboxRecord pod = in.sandbox();
    var options = security.getNamespaceOptions();
    if (pod.netns() == null) {
      spec.removeNamespace("network");
      spec.removeNamespace("uts");
    } else {
      spec.namespace("network", pod.netns());
      spec.namespace("uts", pod.utsns());
    }
    if (pod.ipcns() == null) {
      spec.removeNamespace("ipc");
    } else {
      spec.namespace("ipc", pod.ipcns());
    }
    switch (options.getPid()) {
      case NODE -> spec.removeNamespace("pid");
      case CONTAINER -> spec.namespace("pid", null);
      case TARGET, POD, UNRECOGNIZED -> {
        if (in.pidNamespace() != null) {
          spec.namespace("pid", in.pidNamespace().toString());
        }
      }
    }
    Optional<UserNamespaces.PodIds> podIds = UserNamespaces.of(in.sandbox());
    UserNamespaces.requireSameAsPod(options, podIds);
    if (podIds.isPresent()) {
      // runc joins it first, then the pod's other namespaces, which belong to it; the maps tell
      // runc who the container's root is on the host (for the files it creates for the container).
      spec.namespace("user", in.sandbox().userns());
      spec.idMappings(
          List.of(ociMapping(podIds.get().uids())), List.of(ociMapping(podIds.get().gids())));
    }
  }

  static OciSpec.IdMapping ociMapping(UserNamespaces.IdRange range) {
    return new OciSpec.IdMapping(range.containerId(), range.hostId(), range.length());
  }

  /** hosts, resolv.conf, hostname and /dev/shm come from the pod. */
  private static void podMounts(OciSpecBuilder spec, SandboxRecord pod, boolean readonlyRootfs) {
    Path dir = Path.of(pod.dir());
    String mode = readonlyRootfs ? "ro" : "rw";
    for (String file : List.of("hosts", "resolv.conf", "hostname")) {
      spec.mount(
          new OciSpec.Mount(
              "/etc/" + file,
              "bind",
              dir.resolve(file).toString(),
              List.of("rbind", "rprivate", mode)));
    }
    String shm = pod.shm() != null ? pod.shm() : "/dev/shm";
    spec.removeMount("/dev/shm");
    spec.mount(new OciSpec.Mount("/dev/shm", "bind", shm, List.of("rbind", "rprivate", "rw")));
  }

  private static void userMount(
      OciSpecBuilder spec, Mount mount, Path source, boolean recursiveReadOnly) {
    if (mount.getContainerPath().isEmpty() || !mount.getContainerPath().startsWith("/")) {
      throw CaissonException.invalid(
          "mount container_path '%s' must be an absolute path", mount.getContainerPath());
    }
    if (ImageVolumes.isImageVolume(mount)) {
      // Read-only whatever the mount says (the overlay has no upper layer either); never
      // propagated: nothing of the node's is below it.
      spec.removeMount(mount.getContainerPath());
      spec.mount(
          new OciSpec.Mount(
              mount.getContainerPath(),
              "bind",
              source.toString(),
              List.of("rbind", "ro", "nosuid", "nodev", "rprivate")));
      return;
    }
    Path host = Path.of(mount.getHostPath());
    if (!host.isAbsolute()) {
      throw CaissonException.invalid(
          "mount host_path '%s' must be an absolute path", mount.getHostPath());
    }
    if (!Files.exists(host)) {
      // Made by CreateContainer (VolumeSources): gone again since.
      throw CaissonException.invalid(
          "mount host_path '%s' does not exist on the node", mount.getHostPath());
    }
    if (mount.getRecursiveReadOnly()) {
      requireRecursiveReadOnly(mount, recursiveReadOnly);
    }
    List<String> options = new ArrayList<>(List.of("rbind"));
    options.add(mount.getReadonly() ? "ro" : "rw");
    if (mount.getRecursiveReadOnly()) {
      // runc makes the bind read-only and then, with mount_setattr(2), everything below it.
      options.add("rro");
    }
    switch (mount.getPropagation()) {
      case PROPAGATION_BIDIRECTIONAL -> {
        options.add("rshared");
        spec.rootfsPropagation("rshared");
      }
      case PROPAGATION_HOST_TO_CONTAINER -> {
        options.add("rslave");
        // Never down from rshared: runc applies the root's propagation to every mount below it,
        // and a Bidirectional mount made a slave no longer reaches the node.
        if (!"rshared".equals(spec.rootfsPropagation())) {
          spec.rootfsPropagation("rslave");
        }
      }
      default -> options.add("rprivate");
    }
    spec.removeMount(mount.getContainerPath());
    spec.mount(
        new OciSpec.Mount(
            mount.getContainerPath(), "bind", source.toString(), List.copyOf(options)));
  }

  /**
   * A recursive read-only mount is read-only by definition, and private: a mount propagated into it
   * later from the host would not be read-only (kubelet asks for it this way only).
   */
  private static void requireRecursiveReadOnly(Mount mount, boolean supported) {
    if (!mount.getReadonly()) {
      throw CaissonException.invalid(
          "mount %s: recursive_read_only needs readonly too", mount.getContainerPath());
    }
    if (mount.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
      throw CaissonException.invalid(
          "mount %s: recursive_read_only needs private propagation, not %s",
          mount.getContainerPath(), mount.getPropagation());
    }
    if (!supported) {
      throw CaissonException.invalid(
          "mount %s: recursive read-only mounts are not supported by this runtime handler"
              + " (runc's rro mount option on Linux 5.12 or later)",
          mount.getContainerPath());
    }
  }

  /**
   * The masked and read-only /proc paths. kubelet always sends both lists, the defaults for
   * procMount Default and both empty for Unmasked, which it allows only in a pod of its own user
   * namespace. So both empty there is Unmasked; anywhere else an empty list is a client that sent
   * none (crictl), and the defaults stay.
   */
  private static void paths(
      OciSpecBuilder spec,
      LinuxContainerSecurityContext security,
      boolean privileged,
      boolean podUserNamespace) {
    boolean unmasked =
        podUserNamespace
            && security.getMaskedPathsList().isEmpty()
            && security.getReadonlyPathsList().isEmpty();
    if (privileged || unmasked) {
      spec.maskedPaths(List.of());
      spec.readonlyPaths(List.of());
      return;
    }
    if (!security.getMaskedPathsList().isEmpty()) {
      spec.maskedPaths(security.getMaskedPathsList());
    }
    if (!security.getReadonlyPathsList().isEmpty()) {
      spec.readonlyPaths(security.getReadonlyPathsList());
    }
  }

  /**
   * A privileged container's sysfs and cgroupfs are writable, as the CRI asks ("any sysfs and
   * procfs mounts are mounted RW") and containerd does: kube-proxy sets conntrack's hash size
   * through /sys/module. A network namespace has one sysfs superblock, read-only for good once the
   * pod's first container (any unprivileged one) mounted it so: the mount is remounted read-write
   * after it is made, which leaves the others' own read-only mounts as they are.
   */
  private static void writableSysfs(OciSpecBuilder spec) {
    for (OciSpec.Mount mount : spec.mounts()) {
      boolean kernelFs = mount.type().equals("sysfs") || mount.type().equals("cgroup");
      if (!kernelFs || !mount.options().contains("ro")) {
        continue;
      }
      List<String> writable = mount.options().stream().map(o -> o.equals("ro") ? "rw" : o).toList();
      spec.mount(new OciSpec.Mount(mount.destination(), mount.type(), mount.source(), writable));
      if (mount.type().equals("sysfs")) {
        List<String> remount = new ArrayList<>(List.of("remount"));
        remount.addAll(writable);
        spec.mountAlso(
            new OciSpec.Mount(mount.destination(), mount.type(), mount.source(), remount));
      }
    }
  }

  private static void seccomp(
      OciSpecBuilder spec,
      LinuxContainerSecurityContext security,
      boolean privileged,
      List<String> caps,
      SeccompProfiles.RuntimeDefault runtimeDefault) {
    if (privileged) {
      return;
    }
    if (security.hasSeccomp()) {
      SecurityProfile profile = security.getSeccomp();
      switch (profile.getProfileType()) {
        case RuntimeDefault -> spec.seccomp(runtimeDefault.forCapabilities(caps));
        case Localhost ->
            spec.seccomp(SeccompProfiles.localhost(Path.of(profile.getLocalhostRef()), caps));
        default -> {}
      }
      return;
    }
    String legacy = security.getSeccompProfilePath();
    if (legacy.equals("runtime/default") || legacy.equals("docker/default")) {
      spec.seccomp(runtimeDefault.forCapabilities(caps));
    } else if (legacy.startsWith("localhost/")) {
      spec.seccomp(
          SeccompProfiles.localhost(Path.of(legacy.substring("localhost/".length())), caps));
    }
  }

  /**
   * A named AppArmor profile on a node without AppArmor is refused (as containerd refuses it): the
   * pod asked for that confinement by name. SELinux options on a node without SELinux are left
   * unapplied, as containerd and CRI-O leave them: kubelet copies a pod's seLinuxOptions into every
   * container, and charts written for SELinux nodes set them. Caisson applies no SELinux labels, so
   * on a node where SELinux is enabled they are refused rather than silently not given.
   */
  private static void refuseUnsupportedLsm(LinuxContainerSecurityContext security) {
    if (security.hasApparmor()
        && security.getApparmor().getProfileType() == SecurityProfile.ProfileType.Localhost
        && !apparmorEnabled()) {
      throw CaissonException.invalid(
          "AppArmor profile %s requested, but AppArmor is not enabled on this node",
          security.getApparmor().getLocalhostRef());
    }
    var selinux = security.getSelinuxOptions();
    if (!(selinux.getType().isEmpty()
            && selinux.getLevel().isEmpty()
            && selinux.getUser().isEmpty()
            && selinux.getRole().isEmpty())
        && Files.exists(Path.of("/sys/fs/selinux/enforce"))) {
      throw CaissonException.invalid(
          "SELinux options requested on a node with SELinux enabled, and Caisson applies no SELinux"
              + " labels");
    }
  }

  private static boolean apparmorEnabled() {
    try {
      return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y");
    } catch (IOException e) {
      return false;
    }
  }

  /** The kernel's list format for CPUs and memory nodes: {@code 0-3,5,7-8}. */
  private static final Pattern CPU_LIST =
      Pattern.compile("\\d{1,5}(-\\d{1,5})?(,\\d{1,5}(-\\d{1,5})?)*");

  /** Empty means "not set"; anything else must be a list the kernel can parse. */
  private static void requireCpuList(String field, String value) {
    if (!value.isEmpty() && !CPU_LIST.matcher(value).matches()) {
      throw CaissonException.invalid(
          "%s '%s' is not a list of numbers and ranges such as 0-3,5", field, value);
    }
  }

  /** cgroup v1 cpu.shares' ceiling; runc maps shares onto cgroup v2's weight in the same range. */
  static final long MAX_CPU_SHARES = 262_144;

  /** CFS bandwidth bounds of the kernel (cpu.cfs_period_us / cpu.max). */
  static final long MIN_CPU_PERIOD_US = 1_000;

  static final long MAX_CPU_PERIOD_US = 1_000_000;
  static final long MIN_CPU_QUOTA_US = 1_000;

  /**
   * @param swapAccounting whether the node can limit swap: then a memory limit without a swap limit
   *     allows no swap beyond it (swap = limit, as containerd sets it), instead of unbounded swap
   */
  static void resources(
      OciSpecBuilder spec,
      LinuxContainerResources r,
      int daemonOomScoreAdj,
      boolean swapAccounting) {
    if (r.getCpuShares() < 0
        || r.getCpuQuota() < -1
        || r.getCpuPeriod() < 0
        || r.getMemoryLimitInBytes() < 0
        || r.getMemorySwapLimitInBytes() < -1) {
      throw CaissonException.invalid("container resources may not be negative: %s", r);
    }
    // The kernel's (and runc's) bounds, checked here so a bad value is the caller's error with a
    // clear message rather than a runc failure after the container's files exist.
    if (r.getCpuShares() > MAX_CPU_SHARES) {
      throw CaissonException.invalid(
          "cpu_shares %d is above the maximum of %d", r.getCpuShares(), MAX_CPU_SHARES);
    }
    if (r.getCpuShares() == 1) {
      // 0 means unset; 1 is below the kernel's 2 (and wraps runc's v2 weight conversion).
      throw CaissonException.invalid("cpu_shares 1 is below the minimum of 2");
    }
    if (r.getCpuPeriod() > 0
        && (r.getCpuPeriod() < MIN_CPU_PERIOD_US || r.getCpuPeriod() > MAX_CPU_PERIOD_US)) {
      throw CaissonException.invalid(
          "cpu_period %d us is outside %d..%d us",
          r.getCpuPeriod(), MIN_CPU_PERIOD_US, MAX_CPU_PERIOD_US);
    }
    if (r.getCpuQuota() > 0 && r.getCpuQuota() < MIN_CPU_QUOTA_US) {
      throw CaissonException.invalid(
          "cpu_quota %d us is below the minimum of %d us", r.getCpuQuota(), MIN_CPU_QUOTA_US);
    }
    requireCpuList("cpuset_cpus", r.getCpusetCpus());
    requireCpuList("cpuset_mems", r.getCpusetMems());
    if (r.getCpuShares() > 0
        || r.getCpuQuota() != 0
        || r.getCpuPeriod() > 0
        || !r.getCpusetCpus().isEmpty()
        || !r.getCpusetMems().isEmpty()) {
      spec.cpu(
          new OciSpec.Cpu(
              r.getCpuShares() > 0 ? r.getCpuShares() : null,
              r.getCpuQuota() != 0 ? r.getCpuQuota() : null,
              r.getCpuPeriod() > 0 ? r.getCpuPeriod() : null,
              null,
              null,
              r.getCpusetCpus(),
              r.getCpusetMems()));
    }
    if (r.getMemoryLimitInBytes() > 0) {
      Long swap =
          r.getMemorySwapLimitInBytes() != 0
              ? Long.valueOf(r.getMemorySwapLimitInBytes())
              : swapAccounting ? Long.valueOf(r.getMemoryLimitInBytes()) : null;
      spec.memory(
          new OciSpec.Memory(r.getMemoryLimitInBytes(), null, swap, null, null, null, null, null));
    }
    List<io.caisson.cri.v1.HugepageLimit> hugepages = HugePages.checked(r.getHugepageLimitsList());
    if (!hugepages.isEmpty()) {
      spec.hugepageLimits(
          hugepages.stream()
              .map(h -> new OciSpec.HugepageLimit(h.getPageSize(), h.getLimit()))
              .toList());
    }
    if (!r.getUnifiedMap().isEmpty()) {
      spec.unified(r.getUnifiedMap());
    }
    // Always explicit: a container left to inherit would get the daemon's own score through conmon
    // and runc, and a service manager may protect the daemon (-999 in packaging/systemd). Never
    // below the daemon's own: that needs CAP_SYS_RESOURCE, and runc fails without it.
    spec.oomScoreAdj((int) Math.max(r.getOomScoreAdj(), daemonOomScoreAdj));
  }

  /**
   * Whether a node is one the container's config asks for (a device plugin's), by its container
   * path or under a requested directory. Only those follow the security context's owner: a
   * privileged container's host devices and the node's additional_devices keep the host's, as with
   * CRI-O, else a privileged container's user would own every node of /dev (a disk, /dev/kvm).
   */
  static boolean isRequested(OciSpec.Device node, List<Device> requested) {
    for (Device device : requested) {
      String path = device.getContainerPath();
      if (node.path().equals(path)
          || node.path().startsWith(path.endsWith("/") ? path : path + "/")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The node owned by the security context's run_as_user and run_as_group, where they are set (each
   * one alone, as containerd and CRI-O do); otherwise as on the node.
   */
  static OciSpec.Device ownedAsRun(OciSpec.Device node, LinuxContainerSecurityContext security) {
    return new OciSpec.Device(
        node.path(),
        node.type(),
        node.major(),
        node.minor(),
        node.fileMode(),
        security.hasRunAsUser() ? Long.valueOf(security.getRunAsUser().getValue()) : node.uid(),
        security.hasRunAsGroup() ? Long.valueOf(security.getRunAsGroup().getValue()) : node.gid());
  }

  private static void privilegedDevices(OciSpecBuilder spec) {
    spec.deviceRule(new OciSpec.DeviceRule(true, null, null, null, "rwm"));
  }
}
