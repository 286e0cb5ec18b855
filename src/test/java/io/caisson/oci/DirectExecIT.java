package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.cri.v1.Capability;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.linux.ProcessStamp;
import io.caisson.testing.NodeProcesses;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ExecSync through caisson-exec: the command runs as the very process {@code runc exec} makes of it
 * (ids, groups, capabilities, no_new_privs, cgroups, namespaces, limits, directory, environment),
 * compared field by field against a real {@code runc exec} in the same container, also under a
 * seccomp profile (the same filter, instruction for instruction).
 */
class DirectExecIT {
  /** What a process can tell about itself; the same for both routes when nothing differs. */
  private static final String PROBE =
      "grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp(_filters)?):'"
          + " /proc/self/status;"
          + " cat /proc/self/cgroup;"
          + " for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done;"
          + " ulimit -a; umask; pwd; env | grep -v '^_=' | sort";

  @TempDir Path dir;
  private TestNode node;
  private String pod;

  @BeforeEach
  void startNode() throws Exception {
    node = TestNode.start(dir);
    pod = node.runPod("direct");
  }

  @AfterEach
  void stopNode() throws Exception {
    try {
      node.cleanUpAndAssertNothingLeaked();
    } finally {
      node.close();
    }
  }

  @Test
  void aDefaultContainerExecsAsRuncWould() throws Exception {
    String id = node.run(pod, "direct", node.container("plain", "sleep", "3600"));
    assertSameAsRunc(id);
    assertThat(parentOfExec(id)).as("the exec's parent on the node").isEqualTo("caisson-exec");
  }

  @Test
  void aNonRootContainerWithItsOwnCapabilitiesExecsAsRuncWould() throws Exception {
    ContainerConfig.Builder config =
        node.container("user", "sleep", "3600")
            .setWorkingDir("/tmp")
            .addEnvs(KeyValue.newBuilder().setKey("PROBE").setValue("a b"))
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                            .setRunAsGroup(Int64Value.newBuilder().setValue(1001))
                            .addAllSupplementalGroups(List.of(2000L, 3000L))
                            .setNoNewPrivs(true)
                            .setCapabilities(
                                Capability.newBuilder()
                                    .addAddCapabilities("NET_ADMIN")
                                    .addDropCapabilities("CHOWN"))));
    String id = node.run(pod, "direct", config);
    String probe = assertSameAsRunc(id);
    assertThat(probe).contains("Uid:\t1000\t1000\t1000\t1000", "NoNewPrivs:\t1", "PROBE=a b");
    assertThat(probe.lines().filter(l -> l.equals("/tmp"))).hasSize(1);
    assertThat(parentOfExec(id)).isEqualTo("caisson-exec");
  }

  @Test
  void aPrivilegedContainerExecsAsRuncWould() throws Exception {
    String privilegedPod =
        node.daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        node.pod("privileged").toBuilder()
                            .setLinux(
                                LinuxPodSandboxConfig.newBuilder()
                                    .setSecurityContext(
                                        LinuxSandboxSecurityContext.newBuilder()
                                            .setPrivileged(true))))
                    .build())
            .getPodSandboxId();
    ContainerConfig.Builder config =
        node.container("privileged", "sleep", "3600")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setPrivileged(true)));
    String id = node.run(privilegedPod, "privileged", config);
    // Every capability the node grants (this VM withholds CAP_SYS_RESOURCE): as runc gives it.
    assertThat(assertSameAsRunc(id)).contains("CapEff:\t000001f");
    assertThat(parentOfExec(id)).isEqualTo("caisson-exec");
  }

  @Test
  void aContainerWithASeccompProfileExecsUnderTheFilterRuncInstalled() throws Exception {
    SecurityProfile runtimeDefault =
        SecurityProfile.newBuilder()
            .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)
            .build();
    // Root allowed to gain privileges loads the filter before its capabilities change; a user
    // with no_new_privs just before the command.
    List<LinuxContainerSecurityContext.Builder> contexts =
        List.of(
            LinuxContainerSecurityContext.newBuilder().setSeccomp(runtimeDefault),
            LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(runtimeDefault)
                .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .setNoNewPrivs(true));
    for (LinuxContainerSecurityContext.Builder context : contexts) {
      String id =
          node.run(
              pod,
              "direct",
              node.container("seccomp-" + context.getNoNewPrivs(), "sleep", "3600")
                  .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(context)));
      assertThat(assertSameAsRunc(id)).contains("Seccomp:\t2", "Seccomp_filters:\t1");
      assertThat(parentOfExec(id)).isEqualTo("caisson-exec");
      Path helper = DirectExec.helper().orElseThrow();
      String installed =
          DirectExec.readSeccompFilter(helper, ProcessStamp.of(initPid(id)).orElseThrow());
      String direct = duringExec(id, false, pid -> DirectExec.readSeccompFilter(helper, pid));
      String viaRunc = duringExec(id, true, pid -> DirectExec.readSeccompFilter(helper, pid));
      // Compared as booleans: a failure would print some 16,000 hex digits.
      assertThat(direct.equals(installed))
          .as("the exec's filter is the container's, instruction for instruction")
          .isTrue();
      // runc compiles the filter anew for each exec, and its stub for unknown system calls lists
      // the architectures in an order that changes from run to run: the same length.
      assertThat(viaRunc.length()).isEqualTo(installed.length());
      // The filter came on the helper's stdin; the command's is /dev/null, as for any ExecSync.
      assertThat(
              node.exec(id, "sh", "-c", "[ -c /proc/self/fd/0 ] && echo character device")
                  .getStdout()
                  .toStringUtf8())
          .isEqualTo("character device\n");
      // A new user namespace needs no capability, but RuntimeDefault allows unshare(2) only to
      // holders of CAP_SYS_ADMIN: the filter refuses it.
      ExecSyncResponse refused = node.exec(id, "busybox", "unshare", "-U", "true");
      assertThat(refused.getExitCode()).isNotZero();
      assertThat(refused.getStderr().toStringUtf8()).contains("Operation not permitted");
    }
  }

  @Test
  void exitCodesOutputFailuresAndTimeoutsAreRuncs() throws Exception {
    String id = node.run(pod, "direct", node.container("codes", "sleep", "3600"));
    ExecSyncResponse exited = node.exec(id, "sh", "-c", "echo out; echo err >&2; exit 7");
    assertThat(exited.getExitCode()).isEqualTo(7);
    assertThat(exited.getStdout().toStringUtf8()).isEqualTo("out\n");
    assertThat(exited.getStderr().toStringUtf8()).isEqualTo("err\n");
    assertThat(node.exec(id, "sh", "-c", "exit 255").getExitCode()).isEqualTo(255);
    assertThat(node.exec(id, "sh", "-c", "kill -9 $$").getExitCode()).isEqualTo(137);

    assertThatThrownBy(() -> node.exec(id, "no-such-command"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("\"no-such-command\": executable file not found in $PATH");
            });
    assertThatThrownBy(() -> node.exec(id, "/no/such/path"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));

    assertThatThrownBy(
            () ->
                node.daemon
                    .runtime()
                    .execSync(
                        ExecSyncRequest.newBuilder()
                            .setContainerId(id)
                            .addAllCmd(List.of("sleep", "31.5"))
                            .setTimeout(1)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // Gone, not a zombie under the container's `sleep` (pid 1), which reaps nothing: pgrep
    // matches zombies by name (critest's check).
    assertThat(NodeProcesses.withCommandLine("sleep", "31.5"))
        .as("the timed-out command is killed")
        .isEmpty();
    assertThat(
            node.exec(id, "sh", "-c", "pgrep sleep | grep -vx 1 || true")
                .getStdout()
                .toStringUtf8())
        .isEmpty();
  }

  /** Probes the container through ExecSync and through runc exec; returns the probe's output. */
  private String assertSameAsRunc(String id) throws Exception {
    ExecSyncResponse direct = node.exec(id, "sh", "-c", PROBE);
    assertThat(direct.getExitCode()).as(direct.getStderr().toStringUtf8()).isZero();
    Process runc = runc("exec", id, "sh", "-c", PROBE).redirectErrorStream(true).start();
    String viaRunc = new String(runc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(runc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(runc.exitValue()).as(viaRunc).isZero();
    String probe = direct.getStdout().toStringUtf8();
    assertThat(probe).isEqualTo(viaRunc);
    return probe;
  }

  /** The node's runc on the daemon's containers. */
  private ProcessBuilder runc(String... args) {
    List<String> command = new ArrayList<>(List.of("runc", "--root"));
    command.add(node.daemonState().resolve("runc").toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** The container's first process on the node, as runc recorded it. */
  private long initPid(String id) throws Exception {
    Process state = runc("state", id).start();
    String json = new String(state.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(state.waitFor()).as(json).isZero();
    Matcher pid = Pattern.compile("\"pid\":\\s*(\\d+)").matcher(json);
    assertThat(pid.find()).as(json).isTrue();
    return Long.parseLong(pid.group(1));
  }

  interface OfProcess<T> {
    T apply(ProcessStamp process) throws Exception;
  }

  /**
   * What {@code of} finds out about a {@code sleep} exec'd in the container while it runs, through
   * ExecSync or through a real {@code runc exec}.
   */
  private <T> T duringExec(String id, boolean throughRunc, OfProcess<T> of) throws Exception {
    String seconds = throughRunc ? "3.75" : "3.5";
    CompletableFuture<Integer> exec =
        throughRunc
            ? CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return runc("exec", id, "sleep", seconds).start().waitFor();
                  } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                })
            : CompletableFuture.supplyAsync(() -> node.exec(id, "sleep", seconds).getExitCode());
    try {
      for (int i = 0; i < 100; i++) {
        Optional<Long> pid = NodeProcesses.withCommandLine("sleep", seconds);
        if (pid.isPresent()) {
          return of.apply(ProcessStamp.of(pid.get()).orElseThrow());
        }
        Thread.sleep(20);
      }
      throw new AssertionError("the exec'd sleep never showed on the node");
    } finally {
      assertThat(exec.get(30, TimeUnit.SECONDS)).isZero();
    }
  }

  /** The name of the node-side parent of a command ExecSync runs in the container. */
  private String parentOfExec(String id) throws Exception {
    return duringExec(id, false, process -> NodeProcesses.parentName(process.pid()));
  }
}
