package io.caisson.oci;

import io.caisson.oci.OciSpec.BlockIo;
import io.caisson.oci.OciSpec.Capabilities;
import io.caisson.oci.OciSpec.Cpu;
import io.caisson.oci.OciSpec.Device;
import io.caisson.oci.OciSpec.DeviceRule;
import io.caisson.oci.OciSpec.HugepageLimit;
import io.caisson.oci.OciSpec.IdMapping;
import io.caisson.oci.OciSpec.Memory;
import io.caisson.oci.OciSpec.Mount;
import io.caisson.oci.OciSpec.Namespace;
import io.caisson.oci.OciSpec.Rlimit;
import io.caisson.oci.OciSpec.Seccomp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mutable assembly of an {@link OciSpec}. {@link #criDefaults()} starts from what a CRI runtime
 * gives every container (the mounts, devices, capabilities, masked and read-only paths that
 * containerd and CRI-O use); the container code then layers the pod's and the image's wishes on top
 * and calls {@link #build()}.
 */
public final class OciSpecBuilder {

  public static final String DEFAULT_PATH =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** The OCI runtime spec's hook stages, in the order a container meets them. */
  public static final List<String> HOOK_STAGES =
      List.of(
          "prestart",
          "createRuntime",
          "createContainer",
          "startContainer",
          "poststart",
          "poststop");

  /** The capability set containerd and CRI-O give a non-privileged container. */
  public static final List<String> DEFAULT_CAPABILITIES =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  /** Kernel interfaces that leak host information or allow host changes: hidden. */
  public static final List<String> DEFAULT_MASKED_PATHS =
      List.of(
          "/proc/acpi",
          "/proc/asound",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          "/sys/firmware",
          "/sys/devices/virtual/powercap");

  /** Kernel interfaces a container may read but must not write. */
  public static final List<String> DEFAULT_READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** The namespaces a container gets of its own unless told to join or share. */
  public static final List<String> DEFAULT_NAMESPACES =
      List.of("pid", "ipc", "uts", "mount", "network");

  private String hostname;
  private String rootPath = "rootfs";
  private Boolean rootReadonly;
  private Boolean terminal;
  private long uid;
  private long gid;
  private Integer umask;
  private List<Long> additionalGids = List.of();
  private List<String> args = List.of();
  private final List<String> env = new ArrayList<>();
  private String cwd = "/";
  private Capabilities capabilities;
  private final List<Rlimit> rlimits = new ArrayList<>();
  private Boolean noNewPrivileges;
  private Integer oomScoreAdj;
  private String apparmorProfile;
  private String selinuxLabel;
  private final List<Mount> mounts = new ArrayList<>();
  private final Map<String, List<OciSpec.Hook>> hooks = hookStages();
  private final Map<String, String> annotations = new LinkedHashMap<>();
  private List<IdMapping> uidMappings = List.of();
  private List<IdMapping> gidMappings = List.of();
  private final Map<String, String> sysctl = new LinkedHashMap<>();
  private final List<DeviceRule> deviceRules = new ArrayList<>();
  private Memory memory;
  private Cpu cpu;
  private Long pidsLimit;
  private BlockIo blockIo;
  private List<HugepageLimit> hugepageLimits = List.of();
  private final Map<String, String> unified = new LinkedHashMap<>();
  private String cgroupsPath;
  private final List<Namespace> namespaces = new ArrayList<>();
  private final List<Device> devices = new ArrayList<>();
  private Seccomp seccomp;
  private String rootfsPropagation;
  private List<String> maskedPaths = List.of();
  private List<String> readonlyPaths = List.of();
  private String mountLabel;
  private OciSpec.Personality personality;

  /** An empty builder: no mounts, no namespaces, nothing but the root "rootfs" and cwd "/". */
  public OciSpecBuilder() {}

  /** The defaults of a CRI container: see the class comment. */
  public static OciSpecBuilder criDefaults() {
    OciSpecBuilder b = new OciSpecBuilder();
    b.env.add(DEFAULT_PATH);
    b.capabilities = Capabilities.of(DEFAULT_CAPABILITIES);
    for (Mount m : defaultMounts()) {
      b.mount(m);
    }
    for (String ns : DEFAULT_NAMESPACES) {
      b.namespace(ns, null);
    }
    // Deny every device first, then allow the few every container needs; runc would add the
    // same allowances, but saying it here keeps the spec honest about what the container gets.
    b.deviceRules.add(new DeviceRule(false, null, null, null, "rwm"));
    for (Device d : defaultDevices()) {
      b.device(d);
    }
    b.deviceRules.add(new DeviceRule(true, "c", 136L, null, "rwm")); // /dev/pts/*
    b.deviceRules.add(new DeviceRule(true, "c", 5L, 2L, "rwm")); // /dev/ptmx, symlinked by runc
    b.maskedPaths = DEFAULT_MASKED_PATHS;
    b.readonlyPaths = DEFAULT_READONLY_PATHS;
    return b;
  }

  /** /proc, a tmpfs /dev with devpts, shm and mqueue, and read-only sysfs and cgroupfs. */
  public static List<Mount> defaultMounts() {
    return List.of(
        new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new Mount(
            "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new Mount(
            "/dev/pts",
            "devpts",
            "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new Mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
        new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
        new Mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
  }

  /** The character devices every container has: null, zero, full, random, urandom, tty. */
  public static List<Device> defaultDevices() {
    return List.of(
        charDevice("/dev/null", 1, 3),
        charDevice("/dev/zero", 1, 5),
        charDevice("/dev/full", 1, 7),
        charDevice("/dev/random", 1, 8),
        charDevice("/dev/urandom", 1, 9),
        charDevice("/dev/tty", 5, 0));
  }

  private static Device charDevice(String path, long major, long minor) {
    return new Device(path, "c", major, minor, 0666, 0L, 0L);
  }

  public OciSpecBuilder hostname(String value) {
    this.hostname = value;
    return this;
  }

  /** The rootfs, absolute or relative to the bundle. */
  public OciSpecBuilder root(String path, boolean readonly) {
    this.rootPath = Objects.requireNonNull(path);
    this.rootReadonly = readonly ? Boolean.TRUE : null;
    return this;
  }

  public OciSpecBuilder terminal(boolean value) {
    this.terminal = value;
    return this;
  }

  public OciSpecBuilder args(List<String> value) {
    this.args = List.copyOf(value);
    return this;
  }

  /** Replaces the environment with {@code KEY=value} entries. */
  public OciSpecBuilder env(List<String> value) {
    env.clear();
    env.addAll(value);
    return this;
  }

  /** Sets one variable, replacing an earlier value of the same name. */
  public OciSpecBuilder setEnv(String key, String value) {
    String prefix = key + "=";
    env.removeIf(e -> e.startsWith(prefix) || e.equals(key));
    env.add(prefix + value);
    return this;
  }

  public List<String> env() {
    return List.copyOf(env);
  }

  public OciSpecBuilder cwd(String value) {
    this.cwd = value;
    return this;
  }

  public OciSpecBuilder user(long uid, long gid, List<Long> additionalGids) {
    this.uid = uid;
    this.gid = gid;
    this.additionalGids = List.copyOf(additionalGids);
    return this;
  }

  /** Adds supplementary groups the process did not have yet, in order. */
  public OciSpecBuilder addAdditionalGids(List<Long> gids) {
    List<Long> merged = new ArrayList<>(additionalGids);
    for (Long gid : gids) {
      if (!merged.contains(gid)) {
        merged.add(gid);
      }
    }
    this.additionalGids = List.copyOf(merged);
    return this;
  }

  public long uid() {
    return uid;
  }

  public long gid() {
    return gid;
  }

  public OciSpecBuilder umask(Integer value) {
    this.umask = value;
    return this;
  }

  /** Bounding, effective and permitted sets, names with the CAP_ prefix. */
  public OciSpecBuilder capabilities(List<String> caps) {
    this.capabilities = Capabilities.of(caps);
    return this;
  }

  public OciSpecBuilder capabilities(Capabilities value) {
    this.capabilities = value;
    return this;
  }

  public Capabilities capabilities() {
    return capabilities;
  }

  public OciSpecBuilder noNewPrivileges(boolean value) {
    this.noNewPrivileges = value;
    return this;
  }

  public OciSpecBuilder oomScoreAdj(Integer value) {
    this.oomScoreAdj = value;
    return this;
  }

  public OciSpecBuilder rlimit(String type, long hard, long soft) {
    rlimits.removeIf(r -> r.type().equals(type));
    rlimits.add(new Rlimit(type, hard, soft));
    return this;
  }

  public OciSpecBuilder apparmorProfile(String value) {
    this.apparmorProfile = value;
    return this;
  }

  public OciSpecBuilder selinuxLabel(String value) {
    this.selinuxLabel = value;
    return this;
  }

  public OciSpecBuilder mountLabel(String value) {
    this.mountLabel = value;
    return this;
  }

  /** Adds a mount, replacing an earlier one at the same destination (a CRI mount wins). */
  public OciSpecBuilder mount(Mount mount) {
    removeMount(mount.destination());
    mounts.add(mount);
    return this;
  }

  /**
   * Adds a mount after whatever is at its destination already, keeping that: for a remount of it,
   * which runc makes in the spec's order.
   */
  public OciSpecBuilder mountAlso(Mount mount) {
    mounts.add(mount);
    return this;
  }

  /** Adds a mount unless one is at its destination already (that one wins). */
  public OciSpecBuilder mountUnlessPresent(Mount mount) {
    String d = normalize(mount.destination());
    if (mounts.stream().noneMatch(m -> normalize(m.destination()).equals(d))) {
      mounts.add(mount);
    }
    return this;
  }

  public OciSpecBuilder removeMount(String destination) {
    String d = normalize(destination);
    mounts.removeIf(m -> normalize(m.destination()).equals(d));
    return this;
  }

  public List<Mount> mounts() {
    return List.copyOf(mounts);
  }

  /**
   * Appends a hook to one of the spec's stages: prestart, createRuntime, createContainer,
   * startContainer, poststart or poststop.
   */
  public OciSpecBuilder addHook(String stage, OciSpec.Hook hook) {
    List<OciSpec.Hook> list = hooks.get(stage);
    if (list == null) {
      throw new IllegalArgumentException("no hook stage " + stage);
    }
    list.add(hook);
    return this;
  }

  /** The OCI hook stages, in the spec's order, each with no hook yet. */
  private static Map<String, List<OciSpec.Hook>> hookStages() {
    Map<String, List<OciSpec.Hook>> stages = new LinkedHashMap<>();
    for (String stage : HOOK_STAGES) {
      stages.put(stage, new ArrayList<>());
    }
    return stages;
  }

  /** The hooks by stage, or null when there are none (runc then runs nothing). */
  private OciSpec.Hooks hooks() {
    if (hooks.values().stream().allMatch(List::isEmpty)) {
      return null;
    }
    return new OciSpec.Hooks(
        List.copyOf(hooks.get("prestart")),
        List.copyOf(hooks.get("createRuntime")),
        List.copyOf(hooks.get("createContainer")),
        List.copyOf(hooks.get("startContainer")),
        List.copyOf(hooks.get("poststart")),
        List.copyOf(hooks.get("poststop")));
  }

  public OciSpecBuilder annotation(String key, String value) {
    annotations.put(key, value);
    return this;
  }

  /** Creates ({@code path} null) or joins a namespace of this type, replacing earlier wishes. */
  public OciSpecBuilder namespace(String type, String path) {
    removeNamespace(type);
    namespaces.add(new Namespace(type, path));
    return this;
  }

  /** Leaves the container in the runtime's (host's) namespace of this type. */
  public OciSpecBuilder removeNamespace(String type) {
    namespaces.removeIf(n -> n.type().equals(type));
    return this;
  }

  public List<Namespace> namespaces() {
    return List.copyOf(namespaces);
  }

  public OciSpecBuilder idMappings(List<IdMapping> uids, List<IdMapping> gids) {
    this.uidMappings = List.copyOf(uids);
    this.gidMappings = List.copyOf(gids);
    return this;
  }

  public OciSpecBuilder sysctl(String key, String value) {
    sysctl.put(key, value);
    return this;
  }

  public OciSpecBuilder memory(Memory value) {
    this.memory = value;
    return this;
  }

  public OciSpecBuilder cpu(Cpu value) {
    this.cpu = value;
    return this;
  }

  public OciSpecBuilder pidsLimit(Long value) {
    this.pidsLimit = value;
    return this;
  }

  public OciSpecBuilder blockIo(BlockIo value) {
    this.blockIo = value;
    return this;
  }

  public OciSpecBuilder hugepageLimits(List<HugepageLimit> value) {
    this.hugepageLimits = List.copyOf(value);
    return this;
  }

  public OciSpecBuilder unified(Map<String, String> value) {
    unified.clear();
    unified.putAll(value);
    return this;
  }

  public OciSpecBuilder cgroupsPath(String value) {
    this.cgroupsPath = value;
    return this;
  }

  /** Creates the device node and allows it in the device cgroup, replacing one at that path. */
  public OciSpecBuilder device(Device device) {
    return device(device, "rwm");
  }

  /**
   * Creates the device node, replacing one at that path, and allows {@code access} (a subset of
   * "rwm") to it in the device cgroup.
   */
  public OciSpecBuilder device(Device device, String access) {
    devices.removeIf(d -> d.path().equals(device.path()));
    devices.add(device);
    deviceRules.add(new DeviceRule(true, device.type(), device.major(), device.minor(), access));
    return this;
  }

  /** Creates the device node (a FIFO, say) without a device-cgroup rule, replacing one there. */
  public OciSpecBuilder deviceNode(Device device) {
    devices.removeIf(d -> d.path().equals(device.path()));
    devices.add(device);
    return this;
  }

  public OciSpecBuilder deviceRule(DeviceRule rule) {
    deviceRules.add(rule);
    return this;
  }

  public OciSpecBuilder seccomp(Seccomp value) {
    this.seccomp = value;
    return this;
  }

  /** The root's propagation so far (rshared, rslave...), or null when none is set. */
  public String rootfsPropagation() {
    return rootfsPropagation;
  }

  public OciSpecBuilder rootfsPropagation(String value) {
    this.rootfsPropagation = value;
    return this;
  }

  public OciSpecBuilder maskedPaths(List<String> value) {
    this.maskedPaths = List.copyOf(value);
    return this;
  }

  public OciSpecBuilder readonlyPaths(List<String> value) {
    this.readonlyPaths = List.copyOf(value);
    return this;
  }

  public OciSpecBuilder personality(OciSpec.Personality value) {
    this.personality = value;
    return this;
  }

  /** The cgroup resources alone, as `runc update` takes them. */
  public OciSpec.Resources resources() {
    return new OciSpec.Resources(
        List.copyOf(deviceRules),
        memory,
        cpu,
        pidsLimit == null ? null : new OciSpec.Pids(pidsLimit),
        blockIo,
        hugepageLimits,
        Map.copyOf(unified));
  }

  public OciSpec build() {
    if (args.isEmpty()) {
      throw new IllegalStateException("an OCI process needs at least one argument");
    }
    var process =
        new OciSpec.Process(
            terminal,
            null,
            new OciSpec.User(uid, gid, umask, additionalGids, null),
            args,
            List.copyOf(env),
            cwd,
            capabilities,
            List.copyOf(rlimits),
            noNewPrivileges,
            oomScoreAdj,
            apparmorProfile,
            selinuxLabel);
    var resources = resources();
    var linux =
        new OciSpec.Linux(
            uidMappings,
            gidMappings,
            Map.copyOf(sysctl),
            resources,
            cgroupsPath,
            List.copyOf(namespaces),
            List.copyOf(devices),
            seccomp,
            rootfsPropagation,
            maskedPaths,
            readonlyPaths,
            mountLabel,
            personality);
    return new OciSpec(
        OciSpec.VERSION,
        process,
        new OciSpec.Root(rootPath, rootReadonly),
        hostname,
        parentsFirst(mounts),
        hooks(),
        new LinkedHashMap<>(annotations),
        linux);
  }

  /**
   * The mounts ordered by the depth of their destination, in the order given within a depth: runc
   * mounts in order, and a mount made later over a parent (a volume at /data after one at
   * /data/sub, or at /etc after the pod's /etc/hosts) would hide what was mounted below it.
   */
  static List<Mount> parentsFirst(List<Mount> mounts) {
    return mounts.stream()
        .sorted(Comparator.comparingInt(m -> Path.of(m.destination()).normalize().getNameCount()))
        .toList();
  }

  private static String normalize(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
