package io.caisson.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec 1.x ({@code config.json}) as far as runc and a CRI runtime use it on Linux.
 * Absent values are null and are left out of the JSON, so runc applies its own defaults; empty
 * lists and maps are left out too, since the spec gives them the same meaning as absence.
 */
@JsonInclude(Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciSpec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    @JsonInclude(Include.NON_EMPTY) List<Mount> mounts,
    Hooks hooks,
    @JsonInclude(Include.NON_EMPTY) Map<String, String> annotations,
    Linux linux) {

  /** The spec version Caisson writes; runc 1.1 reads 1.0.x and 1.1.x. */
  public static final String VERSION = "1.0.2";

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Process(
      Boolean terminal,
      Box consoleSize,
      User user,
      List<String> args,
      @JsonInclude(Include.NON_EMPTY) List<String> env,
      String cwd,
      Capabilities capabilities,
      @JsonInclude(Include.NON_EMPTY) List<Rlimit> rlimits,
      Boolean noNewPrivileges,
      Integer oomScoreAdj,
      @JsonInclude(Include.NON_EMPTY) String apparmorProfile,
      @JsonInclude(Include.NON_EMPTY) String selinuxLabel) {

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

  @JsonInclude(Include.NON_NULL)
  public record Box(int height, int width) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record User(
      long uid,
      long gid,
      Integer umask,
      @JsonInclude(Include.NON_EMPTY) List<Long> additionalGids,
      @JsonInclude(Include.NON_EMPTY) String username) {}

  /**
   * Capability names with the {@code CAP_} prefix, as the spec wants them. An empty set and an
   * absent one both mean "none" to runc.
   */
  @JsonInclude(Include.NON_EMPTY)
  @JsonIgnoreProperties(ignoreUnknown = true)
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
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Rlimit(
      String type,
      @JsonSerialize(using = Unsigned.Writer.class) @JsonDeserialize(using = Unsigned.Reader.class)
          long hard,
      @JsonSerialize(using = Unsigned.Writer.class) @JsonDeserialize(using = Unsigned.Reader.class)
          long soft) {}

  /** A uint64 of the spec in a Java long (the same 64 bits). */
  static final class Unsigned {
    private Unsigned() {}

    static final class Writer extends JsonSerializer<Long> {
      @Override
      public void serialize(Long value, JsonGenerator gen, SerializerProvider provider)
          throws IOException {
        gen.writeNumber(Long.toUnsignedString(value));
      }
    }

    static final class Reader extends JsonDeserializer<Long> {
      @Override
      public Long deserialize(JsonParser parser, DeserializationContext context)
          throws IOException {
        try {
          return Long.parseUnsignedLong(parser.getText());
        } catch (NumberFormatException e) {
          return (Long)
              context.handleWeirdStringValue(Long.class, parser.getText(), "not a uint64");
        }
      }
    }
  }

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Root(String path, Boolean readonly) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Mount(
      String destination,
      String type,
      String source,
      @JsonInclude(Include.NON_EMPTY) List<String> options) {}

  @JsonInclude(Include.NON_EMPTY)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hook(
      String path,
      @JsonInclude(Include.NON_EMPTY) List<String> args,
      @JsonInclude(Include.NON_EMPTY) List<String> env,
      Integer timeout) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Linux(
      @JsonInclude(Include.NON_EMPTY) List<IdMapping> uidMappings,
      @JsonInclude(Include.NON_EMPTY) List<IdMapping> gidMappings,
      @JsonInclude(Include.NON_EMPTY) Map<String, String> sysctl,
      Resources resources,
      String cgroupsPath,
      List<Namespace> namespaces,
      @JsonInclude(Include.NON_EMPTY) List<Device> devices,
      Seccomp seccomp,
      @JsonInclude(Include.NON_EMPTY) String rootfsPropagation,
      @JsonInclude(Include.NON_EMPTY) List<String> maskedPaths,
      @JsonInclude(Include.NON_EMPTY) List<String> readonlyPaths,
      @JsonInclude(Include.NON_EMPTY) String mountLabel,
      Personality personality) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record IdMapping(
      @JsonProperty("containerID") long containerId,
      @JsonProperty("hostID") long hostId,
      long size) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Resources(
      @JsonInclude(Include.NON_EMPTY) List<DeviceRule> devices,
      Memory memory,
      Cpu cpu,
      Pids pids,
      @JsonProperty("blockIO") BlockIo blockIo,
      @JsonInclude(Include.NON_EMPTY) List<HugepageLimit> hugepageLimits,
      @JsonInclude(Include.NON_EMPTY) Map<String, String> unified) {}

  /** A device cgroup rule; {@code access} is a subset of "rwm". */
  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Memory(
      Long limit,
      Long reservation,
      Long swap,
      Long kernel,
      Long kernelTCP,
      Long swappiness,
      @JsonProperty("disableOOMKiller") Boolean disableOomKiller,
      Boolean useHierarchy) {

    public static Memory limit(long bytes) {
      return new Memory(bytes, null, null, null, null, null, null, null);
    }
  }

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Cpu(
      Long shares,
      Long quota,
      Long period,
      Long realtimeRuntime,
      Long realtimePeriod,
      @JsonInclude(Include.NON_EMPTY) String cpus,
      @JsonInclude(Include.NON_EMPTY) String mems) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Pids(long limit) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HugepageLimit(String pageSize, long limit) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BlockIo(
      Integer weight,
      Integer leafWeight,
      @JsonInclude(Include.NON_EMPTY) List<WeightDevice> weightDevice,
      @JsonInclude(Include.NON_EMPTY) List<ThrottleDevice> throttleReadBpsDevice,
      @JsonInclude(Include.NON_EMPTY) List<ThrottleDevice> throttleWriteBpsDevice,
      @JsonInclude(Include.NON_EMPTY) List<ThrottleDevice> throttleReadIOPSDevice,
      @JsonInclude(Include.NON_EMPTY) List<ThrottleDevice> throttleWriteIOPSDevice) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ThrottleDevice(long major, long minor, long rate) {}

  /** A namespace to create ({@code path} null) or to join. */
  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Namespace(String type, @JsonInclude(Include.NON_EMPTY) String path) {}

  /** A device node runc creates in the container's /dev; {@code type} is c, b, u or p. */
  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Device(
      String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      @JsonInclude(Include.NON_EMPTY) List<String> architectures,
      @JsonInclude(Include.NON_EMPTY) List<String> flags,
      @JsonInclude(Include.NON_EMPTY) List<SyscallRule> syscalls) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SyscallRule(
      List<String> names,
      String action,
      Integer errnoRet,
      @JsonInclude(Include.NON_EMPTY) List<SyscallArg> args) {}

  /** A condition on one argument; with SCMP_CMP_MASKED_EQ, {@code value} is the mask. */
  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SyscallArg(int index, long value, Long valueTwo, String op) {}

  @JsonInclude(Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Personality(String domain, @JsonInclude(Include.NON_EMPTY) List<String> flags) {}
}
