package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.linux.ProcessStamp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which containers' execs may skip runc, and the helper options that stand for their spec. */
class DirectExecTest {
  private static final Path HELPER = Path.of("/opt/caisson/native/caisson-exec");
  private static final ProcessStamp INIT = new ProcessStamp(4242, 987654);

  private static final String HYBRID_MOUNTS =
      """
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw
      """;
  private static final String HYBRID_CGROUPS =
      """
      9:name=systemd:/caisson/abc
      4:memory:/caisson/abc
      1:cpu:/caisson/abc
      0::/caisson/abc
      """;

  private static OciSpec spec(
      OciSpec.Process process, OciSpec.Seccomp seccomp, List<OciSpec.Namespace> namespaces) {
    OciSpec.Linux linux =
        new OciSpec.Linux(
            null,
            null,
            null,
            null,
            "/caisson/abc",
            namespaces,
            null,
            seccomp,
            null,
            null,
            null,
            null,
            null);
    return new OciSpec(OciSpec.VERSION, process, null, null, null, null, null, linux);
  }

  private static OciSpec.Process process(OciSpec.User user, OciSpec.Capabilities caps) {
    return new OciSpec.Process(
        false,
        null,
        user,
        List.of("sleep", "1"),
        List.of("PATH=/bin", "A=b c"),
        "/work",
        caps,
        List.of(new OciSpec.Rlimit("RLIMIT_NOFILE", 4096, 1024)),
        true,
        null,
        null,
        null);
  }

  /** A root {@code sh} with this environment and nothing else set. */
  private static OciSpec.Process shell(List<String> env) {
    return new OciSpec.Process(
        false, null, null, List.of("sh"), env, "/", null, null, null, null, null, null);
  }

  private static DirectExec.Route route(OciSpec spec) {
    return route(
        spec,
        () -> {
          throw new AssertionError("the filter is read only for a seccomp profile");
        });
  }

  private static DirectExec.Route route(OciSpec spec, DirectExec.FilterReader seccompFilter) {
    return DirectExec.route(
        HELPER, spec, "abc", INIT, HYBRID_CGROUPS, HYBRID_MOUNTS, seccompFilter);
  }

  @Test
  void aPlainContainerBecomesHelperOptions() {
    OciSpec.Process process =
        process(
            new OciSpec.User(1000, 1001, 18, List.of(2000L, 3000L), null),
            new OciSpec.Capabilities(
                List.of("CAP_KILL", "CAP_NET_ADMIN"),
                List.of("CAP_KILL"),
                List.of(),
                List.of("CAP_KILL"),
                null));
    DirectExec.Route route = route(spec(process, null, List.of()));

    assertThat(route).isInstanceOf(DirectExec.Direct.class);
    DirectExec.Direct direct = (DirectExec.Direct) route;
    assertThat(direct.helper()).isEqualTo(HELPER);
    assertThat(String.join(" ", direct.options()))
        .isEqualTo(
            "--pid 4242 --start-ticks 987654"
                + " --cgroup-v1 /sys/fs/cgroup/systemd/caisson/abc"
                + " --cgroup-v1 /sys/fs/cgroup/memory/caisson/abc"
                + " --cgroup-v1 /sys/fs/cgroup/cpu/caisson/abc"
                + " --cgroup-v2 /sys/fs/cgroup/unified/caisson/abc"
                + " --uid 1000 --gid 1001 --groups 2000,3000 --umask 22"
                + " --rlimit 7:1024:4096"
                + " --cap-bounding 1020 --cap-effective 20 --cap-permitted 20"
                + " --cap-inheritable 0 --cap-ambient 0"
                + " --no-new-privs --keyring _ses.abc --cwd /work"
                + " --env PATH=/bin --env A=b c");
  }

  @Test
  void aSeccompProfileTakesTheFilterReadFromTheContainer() {
    OciSpec.Seccomp seccomp =
        new OciSpec.Seccomp("SCMP_ACT_ERRNO", null, List.of(), null, List.of());
    DirectExec.Route route =
        route(spec(process(null, null), seccomp, List.of()), () -> "06000000ff7f0000");
    assertThat(route).isInstanceOf(DirectExec.Direct.class);
    List<String> options = ((DirectExec.Direct) route).options();
    int at = options.indexOf("--seccomp-filter-on-stdin");
    assertThat(at).isPositive();
    assertThat(options.get(at + 1)).as("instructions").isEqualTo("1");
    assertThat(((DirectExec.Direct) route).seccompFilter()).isEqualTo("06000000ff7f0000");
    // The kernel's largest filter travels on stdin, not in an argument.
    DirectExec.Route largest =
        route(spec(process(null, null), seccomp, List.of()), () -> "0".repeat(4096 * 16));
    assertThat(((DirectExec.Direct) largest).options())
        .containsSequence("--seccomp-filter-on-stdin", "4096");
    assertThat(route(spec(process(null, null), null, List.of())))
        .isInstanceOfSatisfying(
            DirectExec.Direct.class,
            d -> {
              assertThat(d.options()).doesNotContain("--seccomp-filter-on-stdin");
              assertThat(d.seccompFilter()).isNull();
            });
  }

  @Test
  void whatRuncMustApplyKeepsExecsOnRunc() {
    OciSpec.Process plain = process(null, null);
    OciSpec.Seccomp seccomp =
        new OciSpec.Seccomp("SCMP_ACT_ERRNO", null, List.of(), null, List.of());
    DirectExec.FilterReader untraceable =
        () -> {
          throw new IOException("cannot trace container process 42: Operation not permitted");
        };
    assertThat(route(spec(plain, seccomp, List.of()), untraceable))
        .as("a filter that could not be read: runc this time, the next exec reads it again")
        .isEqualTo(
            new DirectExec.ThroughRunc(
                "cannot read the seccomp filter of its first process: cannot trace container"
                    + " process 42: Operation not permitted",
                false));
    assertThat(
            route(spec(plain, seccomp, List.of(new OciSpec.Namespace("user", null))), untraceable))
        .as("nothing read where the route is runc's anyway")
        .isEqualTo(new DirectExec.ThroughRunc("a user namespace"));
    OciSpec.Seccomp logged =
        new OciSpec.Seccomp(
            "SCMP_ACT_ERRNO", null, List.of(), List.of("SECCOMP_FILTER_FLAG_LOG"), List.of());
    assertThat(route(spec(plain, logged, List.of())))
        .isEqualTo(new DirectExec.ThroughRunc("seccomp flags [SECCOMP_FILTER_FLAG_LOG]"));
    assertThat(route(spec(plain, null, List.of(new OciSpec.Namespace("user", null)))))
        .isEqualTo(new DirectExec.ThroughRunc("a user namespace"));
    OciSpec.Process labelled =
        new OciSpec.Process(
            false,
            null,
            null,
            List.of("sh"),
            null,
            "/",
            null,
            null,
            null,
            null,
            "runtime/default",
            null);
    assertThat(route(spec(labelled, null, List.of())))
        .isEqualTo(new DirectExec.ThroughRunc("an LSM label"));
    OciSpec.Process unknownCap =
        process(null, OciSpec.Capabilities.of(List.of("CAP_FROM_THE_FUTURE")));
    assertThat(route(spec(unknownCap, null, List.of())))
        .isEqualTo(new DirectExec.ThroughRunc("a capability this daemon does not know"));
  }

  @Test
  void theHelpersFlagsComeFirstAndTheFilterGoesAsItsBytes() {
    DirectExec.Direct route =
        new DirectExec.Direct(
            Path.of("/x/caisson-exec"), List.of("--uid", "0"), "0600000000000000");
    assertThat(
            DirectExec.argv(route, List.of("--errors-on-stderr", "--keep-stdin"), List.of("cat")))
        .containsExactly(
            "/x/caisson-exec", "--errors-on-stderr", "--keep-stdin", "--uid", "0", "--", "cat");
    assertThat(DirectExec.filterBytes(route)).containsExactly(6, 0, 0, 0, 0, 0, 0, 0);
    assertThat(DirectExec.filterBytes(new DirectExec.Direct(Path.of("/h"), List.of(), null)))
        .isEmpty();
  }

  @Test
  void anEnvironmentTooBigForArgumentsGoesToRunc() {
    OciSpec.Process bigVariable = shell(List.of("BIG=" + "x".repeat(40 << 10)));
    assertThat(route(spec(bigVariable, null, List.of())))
        .isInstanceOf(DirectExec.ThroughRunc.class);
    List<String> manyVariables =
        java.util.stream.IntStream.range(0, 20_000)
            .mapToObj(i -> "V" + i + "=" + "y".repeat(20))
            .toList();
    OciSpec.Process many = shell(manyVariables);
    assertThat(route(spec(many, null, List.of()))).isInstanceOf(DirectExec.ThroughRunc.class);
    // Kubernetes' service links: thousands of short variables still fit.
    OciSpec.Process services = shell(manyVariables.subList(0, 5_000));
    assertThat(route(spec(services, null, List.of()))).isInstanceOf(DirectExec.Direct.class);
  }

  @Test
  void aPlainV2NodeHasOnlyTheUnifiedDirectory() {
    String mounts = "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    assertThat(DirectExec.cgroupDirs("0::/kubepods/pod1/abc\n", mounts))
        .contains(
            new DirectExec.CgroupDirs(
                List.of(), Optional.of(Path.of("/sys/fs/cgroup/kubepods/pod1/abc"))));
  }

  @Test
  void aHierarchyNotMountedAtItsRootHereIsNoRoute() {
    String mounts = "32 31 0:29 /nested /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
    assertThat(DirectExec.cgroupDirs("1:cpu:/abc\n", mounts)).isEmpty();
    assertThat(DirectExec.cgroupDirs("1:cpuacct:/abc\n", HYBRID_MOUNTS)).isEmpty();
  }

  @Test
  void coMountedControllersShareTheirHierarchy() {
    String mounts = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
    assertThat(DirectExec.cgroupDirs("2:cpu,cpuacct:/abc\n", mounts))
        .contains(
            new DirectExec.CgroupDirs(
                List.of(Path.of("/sys/fs/cgroup/cpu,cpuacct/abc")), Optional.empty()));
  }
}
