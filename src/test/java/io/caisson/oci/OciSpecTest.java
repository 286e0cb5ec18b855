package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.json.Json;
import io.caisson.json.JsonRecords;
import io.caisson.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciSpecTest {

  private static JsonValue json(OciSpec spec) throws Exception {
    return Json.parse(OciJson.bytes(spec));
  }

  private static List<String> texts(JsonValue array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void defaultsSerializeToTheShapeRuncReads() throws Exception {
    OciSpec spec = OciSpecBuilder.criDefaults().args(List.of("sh")).build();
    JsonValue j = json(spec);

    assertThat(j.get("ociVersion").asText()).isEqualTo(OciSpec.VERSION);
    JsonValue process = j.get("process");
    assertThat(texts(process.get("args"))).containsExactly("sh");
    assertThat(process.get("cwd").asText()).isEqualTo("/");
    // uid and gid 0 must be written, not dropped as "empty".
    assertThat(process.get("user").get("uid").asLong()).isZero();
    assertThat(process.get("user").get("gid").asLong()).isZero();
    assertThat(process.has("terminal")).isFalse();
    assertThat(process.has("oomScoreAdj")).isFalse();
    assertThat(texts(process.get("env"))).containsExactly(OciSpecBuilder.DEFAULT_PATH);
    assertThat(texts(process.get("capabilities").get("bounding")))
        .containsExactlyElementsOf(OciSpecBuilder.DEFAULT_CAPABILITIES)
        .hasSize(14)
        .contains("CAP_NET_RAW", "CAP_AUDIT_WRITE")
        .doesNotContain("CAP_SYS_ADMIN");
    assertThat(process.get("capabilities").has("ambient")).isFalse();

    assertThat(j.get("root").get("path").asText()).isEqualTo("rootfs");
    assertThat(j.get("root").has("readonly")).isFalse();

    List<String> destinations = new ArrayList<>();
    j.get("mounts").forEach(m -> destinations.add(m.get("destination").asText()));
    // Parents first (runc mounts in order), by depth.
    assertThat(destinations)
        .containsExactly(
            "/proc", "/dev", "/sys", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys/fs/cgroup");
    assertThat(texts(j.get("mounts").get(2).get("options"))).contains("ro");

    JsonValue linux = j.get("linux");
    List<String> ns = new ArrayList<>();
    linux.get("namespaces").forEach(n -> ns.add(n.get("type").asText()));
    assertThat(ns).containsExactly("pid", "ipc", "uts", "mount", "network");
    assertThat(linux.get("namespaces").get(0).has("path")).isFalse();
    assertThat(texts(linux.get("maskedPaths")))
        .contains("/proc/kcore", "/proc/keys", "/sys/firmware", "/sys/devices/virtual/powercap");
    assertThat(texts(linux.get("readonlyPaths"))).contains("/proc/sys", "/proc/sysrq-trigger");
    JsonValue rules = linux.get("resources").get("devices");
    assertThat(rules.get(0).get("allow").asBoolean()).isFalse();
    assertThat(rules.get(0).get("access").asText()).isEqualTo("rwm");
    assertThat(rules.get(0).has("major")).isFalse();
    List<String> devices = new ArrayList<>();
    linux.get("devices").forEach(d -> devices.add(d.get("path").asText()));
    assertThat(devices)
        .containsExactly(
            "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty");
    assertThat(linux.get("devices").get(0).get("fileMode").asInt()).isEqualTo(0666);
    // Nothing that was not asked for.
    assertThat(linux.has("seccomp")).isFalse();
    assertThat(linux.has("sysctl")).isFalse();
    assertThat(linux.has("uidMappings")).isFalse();
    assertThat(linux.get("resources").has("memory")).isFalse();
    assertThat(j.has("hooks")).isFalse();
    assertThat(j.has("annotations")).isFalse();
  }

  @Test
  void builderSettingsReachTheSpecWithSpecFieldNames() throws Exception {
    OciSpec spec =
        OciSpecBuilder.criDefaults()
            .args(List.of("/pause"))
            .setEnv("PATH", "/bin")
            .setEnv("A", "1")
            .user(1000, 1000, List.of(10L, 20L))
            .terminal(true)
            .root("/var/lib/x/rootfs", true)
            .hostname("pod")
            .namespace("network", "/run/netns/x")
            .removeNamespace("pid")
            .idMappings(
                List.of(new OciSpec.IdMapping(0, 100000, 65536)),
                List.of(new OciSpec.IdMapping(0, 100000, 65536)))
            .memory(
                new OciSpec.Memory(
                    64L << 20, null, 64L << 20, null, null, null, Boolean.TRUE, null))
            .cpu(new OciSpec.Cpu(512L, 50000L, 100000L, null, null, "0-1", null))
            .pidsLimit(100L)
            .hugepageLimits(List.of(new OciSpec.HugepageLimit("2MB", 0)))
            .unified(Map.of("memory.high", "max"))
            .cgroupsPath("/caisson/pod/ctr")
            .sysctl("net.ipv4.ip_forward", "1")
            .oomScoreAdj(500)
            .noNewPrivileges(true)
            .annotation("io.kubernetes.pod.name", "p")
            .mount(new OciSpec.Mount("/dev/shm/", "bind", "/run/shm", List.of("rbind", "ro")))
            .build();
    JsonValue j = json(spec);
    assertThat(texts(j.get("process").get("env"))).containsExactly("PATH=/bin", "A=1");
    assertThat(j.get("process").get("user").get("additionalGids").size()).isEqualTo(2);
    assertThat(j.get("process").get("terminal").asBoolean()).isTrue();
    assertThat(j.get("process").get("oomScoreAdj").asInt()).isEqualTo(500);
    assertThat(j.get("process").get("noNewPrivileges").asBoolean()).isTrue();
    assertThat(j.get("root").get("readonly").asBoolean()).isTrue();
    assertThat(j.get("hostname").asText()).isEqualTo("pod");
    JsonValue linux = j.get("linux");
    assertThat(linux.get("uidMappings").get(0).get("containerID").asLong()).isZero();
    assertThat(linux.get("uidMappings").get(0).get("hostID").asLong()).isEqualTo(100000);
    JsonValue res = linux.get("resources");
    assertThat(res.get("memory").get("limit").asLong()).isEqualTo(64L << 20);
    assertThat(res.get("memory").get("disableOOMKiller").asBoolean()).isTrue();
    assertThat(res.get("cpu").get("shares").asLong()).isEqualTo(512);
    assertThat(res.get("cpu").get("cpus").asText()).isEqualTo("0-1");
    assertThat(res.get("cpu").has("mems")).isFalse();
    assertThat(res.get("pids").get("limit").asLong()).isEqualTo(100);
    assertThat(res.get("hugepageLimits").get(0).get("pageSize").asText()).isEqualTo("2MB");
    assertThat(res.get("hugepageLimits").get(0).get("limit").asLong()).isZero();
    assertThat(res.get("unified").get("memory.high").asText()).isEqualTo("max");
    assertThat(linux.get("cgroupsPath").asText()).isEqualTo("/caisson/pod/ctr");
    assertThat(linux.get("sysctl").get("net.ipv4.ip_forward").asText()).isEqualTo("1");
    List<String> ns = new ArrayList<>();
    linux.get("namespaces").forEach(n -> ns.add(n.get("type").asText()));
    assertThat(ns).containsExactly("ipc", "uts", "mount", "network");
    assertThat(linux.get("namespaces").get(3).get("path").asText()).isEqualTo("/run/netns/x");
    // A CRI mount replaces the default at the same destination, trailing slash or not.
    long shm = 0;
    for (JsonValue m : j.get("mounts")) {
      if (m.get("destination").asText().startsWith("/dev/shm")) {
        shm++;
        assertThat(m.get("type").asText()).isEqualTo("bind");
      }
    }
    assertThat(shm).isEqualTo(1);
    assertThat(j.get("annotations").get("io.kubernetes.pod.name").asText()).isEqualTo("p");
  }

  @Test
  void mountsAreMadeParentsFirstAndOneAddedUnlessPresentKeepsWhatIsThere() {
    OciSpecBuilder spec = OciSpecBuilder.criDefaults();
    spec.mount(new OciSpec.Mount("/var", "bind", "/host/var", List.of("rbind")));
    spec.mount(new OciSpec.Mount("/data/cache", "bind", "/host/cache", List.of("rbind")));
    spec.mountUnlessPresent(new OciSpec.Mount("/data", "bind", "/vol/data", List.of("rbind")));
    spec.mountUnlessPresent(new OciSpec.Mount("/var/lib/db", "bind", "/vol/db", List.of("rbind")));
    // Already there: the spec's own /proc and the pod's /var stay as they are.
    spec.mountUnlessPresent(new OciSpec.Mount("/proc/", "bind", "/vol/proc", List.of("rbind")));
    spec.mountUnlessPresent(new OciSpec.Mount("/var", "bind", "/vol/var", List.of("rbind")));
    List<String> order = new ArrayList<>();
    for (OciSpec.Mount m : spec.args(List.of("true")).build().mounts()) {
      order.add(m.destination() + "=" + m.source());
    }
    assertThat(order)
        .containsSubsequence("/var=/host/var", "/data=/vol/data", "/data/cache=/host/cache")
        .containsSubsequence("/data=/vol/data", "/var/lib/db=/vol/db")
        .endsWith("/var/lib/db=/vol/db")
        .contains("/proc=proc")
        .doesNotContain("/proc/=/vol/proc", "/var=/vol/var");
  }

  @Test
  void specRoundTripsThroughJson() throws Exception {
    OciSpec spec =
        OciSpecBuilder.criDefaults()
            .args(List.of("sh", "-c", "true"))
            .seccomp(SeccompProfiles.runtimeDefault(OciSpecBuilder.DEFAULT_CAPABILITIES))
            .build();
    OciSpec back = JsonRecords.STANDARD.read(OciJson.bytes(spec), OciSpec.class);
    // Empty collections come back as absent: compare what runc would read.
    assertThat(OciJson.string(back)).isEqualTo(OciJson.string(spec));
  }

  @Test
  void noLimitIsWrittenAsTheUnsignedValueRuncParses() throws Exception {
    OciSpec spec =
        OciSpecBuilder.criDefaults()
            .args(List.of("true"))
            .rlimit("RLIMIT_CORE", -1, -1)
            .rlimit("RLIMIT_NOFILE", 4096, 1024)
            .build();
    String json = OciJson.string(spec);
    assertThat(json)
        .contains(
            "{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":18446744073709551615}")
        .contains("{\"type\":\"RLIMIT_NOFILE\",\"hard\":4096,\"soft\":1024}");
    OciSpec back = JsonRecords.STANDARD.read(OciJson.bytes(spec), OciSpec.class);
    assertThat(back.process().rlimits())
        .containsExactly(
            new OciSpec.Rlimit("RLIMIT_CORE", -1, -1),
            new OciSpec.Rlimit("RLIMIT_NOFILE", 4096, 1024));
  }

  @Test
  void execProcessKeepsTheContainersIdentity() {
    OciSpec spec =
        OciSpecBuilder.criDefaults()
            .args(List.of("sleep", "1"))
            .user(5, 6, List.of())
            .oomScoreAdj(100)
            .build();
    OciSpec.Process exec = spec.process().withArgs(List.of("echo", "hi"), false);
    assertThat(exec.args()).containsExactly("echo", "hi");
    assertThat(exec.user()).isEqualTo(spec.process().user());
    assertThat(exec.capabilities()).isEqualTo(spec.process().capabilities());
    assertThat(exec.terminal()).isFalse();
    assertThat(exec.oomScoreAdj()).isNull();
  }
}
