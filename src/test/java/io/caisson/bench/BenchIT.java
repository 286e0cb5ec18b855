package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.ListPodSandboxStatsRequest;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import io.caisson.linux.CgroupHierarchies;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The benchmark against the real daemon with a private CNI network; no timing is asserted. */
class BenchIT {
  @TempDir Path dir;

  @Test
  void sandboxWorkloadMeasuresAndUnbuiltRpcsAreNotApplicable() throws Exception {
    try (TestNetwork network = new TestNetwork(dir);
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("daemon"), network.daemonArgs())) {
      boolean statsBuilt = answers(daemon);
      Path json = dir.resolve("results.json");
      Run run =
          bench(
              "--endpoint",
              "unix://" + daemon.socket(),
              "--workloads",
              "sandbox,stats,startup",
              "--rounds",
              "1",
              "--iterations",
              "2",
              "--log-dir",
              dir.resolve("logs").toString(),
              "--json",
              json.toString());
      int code = run.code();
      String table = run.output();

      JsonValue root = Json.parse(json);
      assertThat(root.at("/endpoints/0/runtime").asText()).isEqualTo("caisson");
      assertThat(root.at("/endpoints/0/daemon_pid").asLong()).isEqualTo(daemon.process().pid());
      JsonValue sandbox = root.at("/workloads/0");
      assertThat(sandbox.get("name").asText()).isEqualTo("sandbox");
      JsonValue results = sandbox.at("/results/caisson");
      assertThat(results.get("status").asText()).isEqualTo("ok");
      for (String rpc :
          new String[] {
            "RunPodSandbox", "PodSandboxStatus", "StopPodSandbox", "RemovePodSandbox"
          }) {
        JsonValue metric = results.at("/metrics/" + rpc);
        assertThat(metric.get("unit").asText()).isEqualTo("ms");
        assertThat(metric.get("count").asInt()).isEqualTo(2);
        assertThat(metric.get("samples")).hasSize(2);
        for (String stat : new String[] {"median", "p90", "min", "max"}) {
          assertThat(metric.get(stat).isNumber()).as(rpc + " " + stat).isTrue();
          assertThat(metric.get(stat).asDouble()).as(rpc + " " + stat).isPositive();
        }
        assertThat(table).contains(rpc);
      }

      JsonValue stats = root.at("/workloads/1/results/caisson");
      if (!statsBuilt) {
        assertThat(stats.get("status").asText()).isEqualTo("unimplemented");
        assertThat(stats.get("text").asText()).isEqualTo("n/a (UNIMPLEMENTED)");
        assertThat(table).contains("n/a (UNIMPLEMENTED)");
        assertThat(code).isZero();
      } else {
        assertThat(stats.get("status").asText()).isNotEqualTo("unimplemented");
      }
      assertThat(root.at("/workloads/2/results/caisson/status").asText()).isEqualTo("skipped");

      // Everything the benchmark created is gone again.
      assertThat(
              daemon
                  .runtime()
                  .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                  .getItemsList())
          .isEmpty();
      assertThat(network.allocatedIps()).isZero();
      // So are the pod cgroups it made as kubelet would, in every hierarchy.
      for (Path hierarchy : CgroupHierarchies.of(Path.of("/sys/fs/cgroup"))) {
        try (var names = Files.list(hierarchy)) {
          assertThat(names.map(p -> p.getFileName().toString()))
              .as(hierarchy.toString())
              .noneMatch(n -> n.startsWith("caisson-bench-"));
        }
      }
    }
  }

  @Test
  void soakChurnsAndTimesRelistsOverStandingPods() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      Path json = dir.resolve("soak.json");
      Run run =
          bench(
              "--endpoint",
              "unix://" + node.daemon.socket(),
              "--image",
              node.image,
              "--soak",
              "0.25",
              "--soak-pods",
              "2",
              "--log-dir",
              dir.resolve("logs").toString(),
              "--json",
              json.toString());
      String output = run.output();
      assertThat(run.code()).as(output).isZero();

      JsonValue soak = Json.parse(json).at("/soak/0");
      assertThat(soak.get("standing_pods").asInt()).isEqualTo(2);
      assertThat(soak.get("lifecycles").asLong()).as(output).isPositive();
      assertThat(soak.get("errors").asLong()).as(output).isZero();
      JsonValue relist = soak.get("relist");
      // One a second for 15 s, each over the 4 standing containers and whatever churns.
      assertThat(relist.get("count").asInt()).as(output).isGreaterThanOrEqualTo(10);
      assertThat(relist.get("errors").asLong()).as(output).isZero();
      assertThat(relist.get("median_ms").asDouble()).isPositive();
      assertThat(relist.get("max_ms").asDouble())
          .isGreaterThanOrEqualTo(relist.get("p99_ms").asDouble());
      assertThat(relist.get("median_trend_ms_per_hour").isNumber()).isTrue();
      assertThat(output).contains("relists, median");
      // Five probes a second for 15 s into the 4 standing containers, every tenth over SPDY.
      JsonValue probes = soak.get("exec_probes");
      assertThat(probes.get("count").asInt()).as(output).isGreaterThanOrEqualTo(20);
      assertThat(probes.get("over_spdy").asLong()).as(output).isPositive();
      assertThat(probes.get("errors").asLong()).as(output).isZero();
      assertThat(output).contains("exec probes (");

      // The standing pods went with the churn's.
      assertThat(node.pods()).isEmpty();
    }
  }

  @Test
  void aotTrainingLivesOnePodWithAnImageOfThisNodesProgramsAndLeavesNothing() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"));
        TrainingRegistry registry = TrainingRegistry.serve(TrainingImage.ofThisNode());
        CriClient client = new CriClient("training", node.daemon.socket())) {
      TrainingLifecycle.run(client, registry, Files.createDirectories(dir.resolve("logs")));

      assertThat(node.pods()).isEmpty();
      assertThat(
              node.daemon
                  .images()
                  .listImages(ListImagesRequest.getDefaultInstance())
                  .getImagesList())
          .as("the training image is removed")
          .noneMatch(image -> image.getRepoTagsList().contains(registry.reference()));
      node.cleanUpAndAssertNothingLeaked();
    }
  }

  @Test
  void containerAndExecWorkloadsTimeTheirRuncFloorsInTheirOwnRounds() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      Path bundle = floorBundle(dir.resolve("floor-bundle"));
      Path floorRoot = dir.resolve("floor-state");
      Path json = dir.resolve("container.json");
      Run run =
          bench(
              "--endpoint",
              "unix://" + node.daemon.socket(),
              "--image",
              node.image,
              "--workloads",
              "container,exec",
              "--rounds",
              "1",
              "--iterations",
              "2",
              "--runc-root",
              node.daemon.dir().resolve("state/runc").toString(),
              "--runc-floor-bundle",
              bundle.toString(),
              "--runc-floor-root",
              floorRoot.toString(),
              "--log-dir",
              dir.resolve("logs").toString(),
              "--json",
              json.toString());
      assertThat(run.code()).as(run.output()).isZero();

      JsonValue root = Json.parse(json);
      JsonValue results = root.at("/workloads/0/results/caisson");
      assertThat(results.get("status").asText()).isEqualTo("ok");
      assertThat(results.at("/metrics/CreateContainer + StartContainer/count").asInt())
          .isEqualTo(2);
      assertThat(results.at("/metrics/raw runc run of busybox true (floor)/count").asInt())
          .isEqualTo(2);
      assertThat(results.get("create_start_over_runc_floor").asDouble()).isPositive();
      assertThat(run.output())
          .contains("CreateContainer + StartContainer / runc run floor of the same rounds");
      JsonValue exec = root.at("/workloads/1/results/caisson");
      assertThat(exec.get("status").asText()).as(run.output()).isEqualTo("ok");
      assertThat(exec.at("/metrics/raw runc exec true (floor)/count").asInt()).isEqualTo(2);
      assertThat(exec.at("/metrics/ExecSync true, seccomp RuntimeDefault/count").asInt())
          .isEqualTo(2);
      assertThat(exec.at("/metrics/Exec true over SPDY, no terminal/count").asInt()).isEqualTo(2);
      assertThat(exec.get("exec_sync_over_runc_exec").asDouble()).isPositive();
      assertThat(run.output()).contains("ExecSync true / runc exec floor of the same rounds");
      // runc run removes what it ran: the floor leaves no container in its state directory.
      try (var left = Files.list(floorRoot)) {
        assertThat(left).isEmpty();
      }
      assertThat(node.pods()).isEmpty();
    }
  }

  /** A bundle of Debian's busybox-static whose process is {@code true}, from runc's own spec. */
  private static Path floorBundle(Path bundle) throws Exception {
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    Process spec =
        new ProcessBuilder("runc", "spec", "--bundle", bundle.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(spec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(spec.waitFor()).as(said).isZero();
    var config = (JsonObject) Json.parse(bundle.resolve("config.json"));
    var process = (JsonObject) config.get("process");
    process.put("terminal", false);
    process.putArray("args").add("/bin/busybox").add("true");
    Files.write(bundle.resolve("config.json"), Json.bytes(config));
    return bundle;
  }

  /** What a run of the benchmark's command line returned and printed. */
  private record Run(int code, String output) {}

  private static Run bench(String... args) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code =
        new CommandLine(new Bench(new PrintStream(printed, true, StandardCharsets.UTF_8)))
            .execute(args);
    return new Run(code, printed.toString(StandardCharsets.UTF_8));
  }

  private static boolean answers(DaemonProcess daemon) {
    try {
      daemon.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
      return true;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() != Status.Code.UNIMPLEMENTED;
    }
  }
}
