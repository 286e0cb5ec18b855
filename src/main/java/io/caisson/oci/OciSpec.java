package io.caisson.oci;

import io.caisson.json.JsonName;
import io.caisson.json.OmitEmpty;
import io.caisson.json.Unsigned;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec 1.x ({@code config.json}) as far as runc and a CRI runtime use it on Linux.
 * Absent values are null and are left out of the JSON, so runc applies its own defaults; empty
 * lists and maps are left out too, since the spec gives them the same meaning as absence.
 */
public record OciSpec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    @OmitEmpty List<Mount> mounts,
    Hooks hooks,
    @OmitEmpty Map<String, String> annotations,
    Linux linux) {

  /** The spec version Caisson writes; runc 1.1 reads 1.0.x and 1.1.x. */
  public static final String VERSION = "1.0.2";

  public record Process(
      Boolean terminal,
      Box consoleSize,
      User user,
      List<String> args,
      @OmitEmpty List<String> env,
      String cwd,
      Capabilities capabilities,
      @OmitEmpty List<Rlimit> rlimits,
      Boolean noNewPrivileges,
      Integer oomScoreAdj,
      @OmitEmpty String apparmorProfile,
      @OmitEmpty String selinuxLabel) {

    /** The same process running {@code newArgs}, for exec. */
    public Process withArgs(List<String> newArgs, boolean tty) {
      return new Process(
          tty,
          null,
          user,
          List.copyOf(newArgs),
          tty ? withTerm(env) : env,
          cwd,
          capabilities,
          rlimits,
          noNewPrivileges,
          // runc exec refuses nothing here, but the value only matters for the init process.
          null,
          apparmorProfile,
          selinuxLabel);
    }
  }

  /** A terminal session needs TERM to be usable; the image's or the container's value wins. */
  public static List<String> withTerm(List<String> env) {
    List<String> base = env == null ? List.of() : env;
    if (base.stream().anyMatch(e -> e.startsWith("TERM="))) {
      return base;
    }
    List<String> out = new java.util.ArrayList<>(base);
    out.add("TERM=xterm");
    return List.copyOf(out);
  }

  public record Box(int height, int width) {}

  public record User(
      long uid,
      long gid,
      Integer umask,
      @OmitEmpty List<Long> additionalGids,
      @OmitEmpty String username) {}

  /**
   * Capability names with the {@code CAP_} prefix, as the spec wants them. An empty set and an
   * absent one both mean "none" to runc.
   */
  @OmitEmpty
  public record Capabilities(
      List<String> bounding,
      List<String> effective,
      List<String> inheritable,
      List<String> permitted,
      List<String> ambient) {

    /** One set for bounding, effective and permitted; nothing inheritable or ambient. */
    public static Capabilities of(List<String> caps) {
      List<String> copy = List.copyOf(caps);
      return new Capabilities(copy, copy, List.of(), copy, List.of());
    }
  }

  /**
   * A resource limit. The spec's values are unsigned 64-bit: -1 here is RLIM_INFINITY, written as
   * 18446744073709551615, which is what runc's parser accepts.
   */
  public record Rlimit(String type, @Unsigned long hard, @Unsigned long soft) {}

  public record Root(String path, Boolean readonly) {}

  public record Mount(
      String destination, String type, String source, @OmitEmpty List<String> options) {}

  @OmitEmpty
  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  public record Hook(
      String path, @OmitEmpty List<String> args, @OmitEmpty List<String> env, Integer timeout) {}

  public record Linux(
      @OmitEmpty List<IdMapping> uidMappings,
      @OmitEmpty List<IdMapping> gidMappings,
      @OmitEmpty Map<String, String> sysctl,
      Resources resources,
      String cgroupsPath,
      List<Namespace> namespaces,
      @OmitEmpty List<Device> devices,
      Seccomp seccomp,
      @OmitEmpty String rootfsPropagation,
      @OmitEmpty List<String> maskedPaths,
      @OmitEmpty List<String> readonlyPaths,
      @OmitEmpty String mountLabel,
      Personality personality) {}

  public record IdMapping(
      @JsonName("containerID") long containerId, @JsonName("hostID") long hostId, long size) {}

  public record Resources(
      @OmitEmpty List<DeviceRule> devices,
      Memory memory,
      Cpu cpu,
      Pids pids,
      @JsonName("blockIO") BlockIo blockIo,
      @OmitEmpty List<HugepageLimit> hugepageLimits,
      @OmitEmpty Map<String, String> unified) {}

  /** A device cgroup rule; {@code access} is a subset of "rwm". */
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  public record Memory(
      Long limit,
      Long reservation,
      Long swap,
      Long kernel,
      Long kernelTCP,
      Long swappiness,
      @JsonName("disableOOMKiller") Boolean disableOomKiller,
      Boolean useHierarchy) {

    public static Memory limit(long bytes) {
      return new Memory(bytes, null, null, null, null, null, null, null);
    }
  }

  public record Cpu(
      Long shares,
      Long quota,
      Long period,
      Long realtimeRuntime,
      Long realtimePeriod,
      @OmitEmpty String cpus,
      @OmitEmpty String mems) {}

  public record Pids(long limit) {}

  public record HugepageLimit(String pageSize, long limit) {}

  public record BlockIo(
      Integer weight,
      Integer leafWeight,
      @OmitEmpty List<WeightDevice> weightDevice,
      @OmitEmpty List<ThrottleDevice> throttleReadBpsDevice,
      @OmitEmpty List<ThrottleDevice> throttleWriteBpsDevice,
      @OmitEmpty List<ThrottleDevice> throttleReadIOPSDevice,
      @OmitEmpty List<ThrottleDevice> throttleWriteIOPSDevice) {}

  public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

  public record ThrottleDevice(long major, long minor, long rate) {}

  /** A namespace to create ({@code path} null) or to join. */
  public record Namespace(String type, @OmitEmpty String path) {}

  /** A device node runc creates in the container's /dev; {@code type} is c, b, u or p. */
  public record Device(
      String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {}

  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      @OmitEmpty List<String> architectures,
      @OmitEmpty List<String> flags,
      @OmitEmpty List<SyscallRule> syscalls) {}

  public record SyscallRule(
      List<String> names, String action, Integer errnoRet, @OmitEmpty List<SyscallArg> args) {}

  /** A condition on one argument; with SCMP_CMP_MASKED_EQ, {@code value} is the mask. */
  public record SyscallArg(int index, long value, Long valueTwo, String op) {}

  public record Personality(String domain, @OmitEmpty List<String> flags) {}
}
