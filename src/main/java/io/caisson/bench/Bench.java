package io.caisson.bench;

import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.caisson.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code caisson-bench}: drives one or two CRI endpoints with the same workloads. */
@Command(
    name = "caisson-bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks CRI endpoints over gRPC. With --against, both run every round in turn (A B A B)"
          + " and the table shows each one's medians and the ratio A/B.",
      "Workloads: sandbox, container, lifecycle, exec, relist, parallel, pull, memory, stats,"
          + " startup. An RPC answering UNIMPLEMENTED makes its workload n/a, not a failure."
    })
public final class Bench implements Callable<Integer> {
  @Option(names = "--endpoint", required = true, paramLabel = "unix:///PATH", description = "A")
  String endpoint;

  @Option(names = "--against", paramLabel = "unix:///PATH", description = "B, run alternately")
  String against;

  @Option(names = "--rounds", defaultValue = "5", description = "rounds (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(
      names = "--iterations",
      defaultValue = "20",
      description = "iterations per workload per round (default ${DEFAULT-VALUE})")
  int iterations;

  @Option(
      names = "--image",
      defaultValue = "registry.k8s.io/e2e-test-images/busybox:1.29-2",
      description = "busybox image for containers (default ${DEFAULT-VALUE})")
  String image;

  @Option(
      names = "--pull-image",
      defaultValue = "registry.k8s.io/e2e-test-images/busybox:1.29-2",
      description = "image for the cold pull workload (default ${DEFAULT-VALUE})")
  String pullImage;

  @Option(names = "--pods", defaultValue = "100", description = "pods (x 2 containers) for relist")
  int pods;

  @Option(
      names = "--client-warmup",
      defaultValue = "3000",
      description =
          "Version calls per endpoint before the first round (default ${DEFAULT-VALUE}): this client"
              + " is a JVM, and until its JIT has compiled the gRPC path, per-call timings measure"
              + " the client's interpreter as much as the endpoint")
  int clientWarmup;

  @Option(names = "--json", paramLabel = "FILE", description = "write the results as JSON")
  Path json;

  @Option(
      names = "--workloads",
      split = ",",
      paramLabel = "NAME",
      description = "workloads to run (default: all; only the soak when --soak is given)")
  List<String> workloads;

  @Option(
      names = "--soak",
      paramLabel = "MINUTES",
      description = "churn pods, sample memory and time relists")
  Double soakMinutes;

  @Option(
      names = "--soak-pods",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "pods (2 containers each) that stand through the soak, for its relists to cover"
              + " (default ${DEFAULT-VALUE})")
  int soakPods;

  @Option(names = "--daemon-pid", description = "A's daemon process (default: the socket's owner)")
  Long daemonPid;

  @Option(names = "--against-daemon-pid", description = "B's daemon process")
  Long againstDaemonPid;

  @Option(
      names = "--start-command",
      paramLabel = "CMD",
      description = "starts a daemon of A's kind (bash -c) for the startup workload")
  String startCommand;

  @Option(
      names = "--start-endpoint",
      paramLabel = "unix:///PATH",
      description = "socket the start command serves on (default: --endpoint)")
  String startEndpoint;

  @Option(names = "--against-start-command", paramLabel = "CMD", description = "same for B")
  String againstStartCommand;

  @Option(names = "--against-start-endpoint", paramLabel = "unix:///PATH", description = "for B")
  String againstStartEndpoint;

  @Option(
      names = "--runc-floor-bundle",
      paramLabel = "DIR",
      description =
          "an OCI bundle whose process exits at once (busybox true): the container workload times"
              + " a raw runc run of it after each iteration, the floor under Create + Start")
  Path runcFloorBundle;

  @Option(
      names = "--runc-floor-root",
      defaultValue = "/run/caisson-bench-floor",
      paramLabel = "DIR",
      description = "runc's state directory for the floor runs (default ${DEFAULT-VALUE})")
  Path runcFloorRoot;

  @Option(
      names = "--runc-root",
      paramLabel = "DIR",
      description =
          "A's runc state directory: the exec workload times a raw runc exec in the same container"
              + " after each ExecSync, the floor under it")
  Path runcRoot;

  @Option(names = "--against-runc-root", paramLabel = "DIR", description = "same for B")
  Path againstRuncRoot;

  @Option(names = "--log-dir", description = "pod log directories (default: a temporary dir)")
  Path logDir;

  private final PrintStream out;

  public Bench() {
    this(System.out);
  }

  public Bench(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Bench()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || iterations < 1 || pods < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--rounds, --iterations and --pods must be at least 1");
    }
    List<String> selected = selectedWorkloads();
    Path logRoot =
        logDir != null
            ? Files.createDirectories(logDir)
            : Files.createTempDirectory("caisson-bench-logs");
    List<Runner.Target> targets = new ArrayList<>();
    try {
      targets.add(target(endpoint, daemonPid, startCommand, startEndpoint, runcRoot));
      if (against != null) {
        targets.add(
            target(
                against,
                againstDaemonPid,
                againstStartCommand,
                againstStartEndpoint,
                againstRuncRoot));
      }
      List<String> labels = labels(targets);
      warmUpClient(targets);
      JsonObject header = header(targets, labels);
      Runner runner =
          new Runner(
              targets,
              new Runner.Settings(
                  rounds,
                  iterations,
                  pods,
                  image,
                  pullImage,
                  logRoot,
                  runcFloorBundle == null ? null : new RuncFloor(runcFloorBundle, runcFloorRoot)),
              out);
      List<Runner.WorkloadResult> results = new ArrayList<>();
      for (String name : selected) {
        results.add(runner.run(name));
      }
      out.print(Report.table(labels, results));
      JsonObject document = Report.json(header, labels, results);
      if (soakMinutes != null) {
        var soaks = document.putArray("soak");
        for (Runner.Target target : targets) {
          try (Fleet fleet = new Fleet(target.client(), image, logRoot)) {
            Images.ensure(target.client(), image);
            soaks.add(
                Soak.run(
                    fleet,
                    target.daemonPid(),
                    Duration.ofMillis((long) (soakMinutes * 60_000)),
                    soakPods,
                    out));
          }
        }
      }
      if (json != null) {
        Report.write(json, document);
        out.println("\nresults: " + json);
      }
      boolean failed =
          results.stream()
              .flatMap(r -> r.outcomes().stream())
              .anyMatch(o -> o instanceof Outcome.Failed);
      return failed ? 1 : 0;
    } finally {
      targets.forEach(t -> t.client().close());
      if (logDir == null) {
        deleteTree(logRoot);
      }
    }
  }

  /**
   * Alternating endpoints, so both see the same calls at the same point of the client's warm-up.
   */
  private void warmUpClient(List<Runner.Target> targets) {
    if (clientWarmup <= 0) {
      return;
    }
    out.printf("client warm-up: %d Version calls per endpoint%n", clientWarmup);
    for (int i = 0; i < clientWarmup; i++) {
      for (Runner.Target target : targets) {
        target.client().runtime().version(VersionRequest.getDefaultInstance());
      }
    }
  }

  private List<String> selectedWorkloads() {
    List<String> names =
        workloads != null
            ? workloads.stream().map(String::trim).filter(s -> !s.isEmpty()).toList()
            : soakMinutes != null ? List.of() : Workload.NAMES;
    names.forEach(Workload::create); // an unknown name stops the run before anything is created
    return names;
  }

  private Runner.Target target(
      String uri, Long pid, String command, String startUri, Path runcStateRoot)
      throws IOException {
    Path socket = CriClient.socketOf(uri);
    CriClient client = new CriClient(uri, socket);
    long owner = pid != null ? pid : ProcMemory.socketOwner(socket);
    Path startSocket = startUri != null ? CriClient.socketOf(startUri) : socket;
    return new Runner.Target(uri, client, owner, command, startSocket, runcStateRoot);
  }

  /** Runtime names from Version when they tell the endpoints apart, else A and B. */
  private static List<String> labels(List<Runner.Target> targets) {
    List<String> names = new ArrayList<>();
    for (Runner.Target target : targets) {
      names.add(
          target.client().runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
    }
    if (names.stream().distinct().count() == names.size()
        && names.stream().noneMatch(String::isBlank)) {
      return names;
    }
    return targets.size() == 1 ? List.of("A") : List.of("A", "B");
  }

  private JsonObject header(List<Runner.Target> targets, List<String> labels) throws IOException {
    JsonObject header = new JsonObject();
    header.put("date", OffsetDateTime.now().toString());
    header.put("host", InetAddress.getLocalHost().getHostName());
    header.put("cpus", Runtime.getRuntime().availableProcessors());
    header.put("kernel", ProcMemory.read(Path.of("/proc/sys/kernel/osrelease")).trim());
    header.put("rounds", rounds).put("iterations", iterations).put("pods", pods);
    header.put("client_warmup_calls", clientWarmup);
    header.put("image", image).put("pull_image", pullImage);
    var endpoints = header.putArray("endpoints");
    for (int e = 0; e < targets.size(); e++) {
      Runner.Target target = targets.get(e);
      VersionResponse version =
          target.client().runtime().version(VersionRequest.getDefaultInstance());
      endpoints
          .addObject()
          .put("label", labels.get(e))
          .put("endpoint", target.label())
          .put("runtime", version.getRuntimeName())
          .put("version", version.getRuntimeVersion())
          .put("daemon_pid", target.daemonPid());
    }
    return header;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
