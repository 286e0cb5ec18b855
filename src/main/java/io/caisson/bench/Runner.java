package io.caisson.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs workloads on one or two endpoints, alternating turns as {@link Schedule} says. */
public final class Runner {
  /**
   * One endpoint and how to reach its daemon process and start command.
   *
   * @param runcRoot where the endpoint's runc keeps its containers, for the exec floor; or null
   */
  public record Target(
      String label,
      CriClient client,
      long daemonPid,
      String startCommand,
      Path startSocket,
      Path runcRoot) {}

  /** Options shared by all workloads. */
  public record Settings(
      int rounds,
      int iterations,
      int pods,
      String image,
      String pullImage,
      Path logRoot,
      RuncFloor runcFloor) {}

  /** One workload's outcome per target, in target order. */
  public record WorkloadResult(String name, List<Outcome> outcomes) {}

  private final List<Target> targets;
  private final Settings settings;
  private final PrintStream progress;

  public Runner(List<Target> targets, Settings settings, PrintStream progress) {
    this.targets = targets;
    this.settings = settings;
    this.progress = progress;
  }

  public WorkloadResult run(String name) {
    int n = targets.size();
    List<Workload> workloads = new ArrayList<>();
    List<BenchContext> contexts = new ArrayList<>();
    List<Samples> samples = new ArrayList<>();
    Outcome[] outcomes = new Outcome[n];
    for (Target target : targets) {
      workloads.add(Workload.create(name));
      samples.add(new Samples());
      contexts.add(
          new BenchContext(
              target.client(),
              new Fleet(target.client(), settings.image(), settings.logRoot()),
              settings.iterations(),
              settings.pods(),
              settings.image(),
              settings.pullImage(),
              target.daemonPid(),
              target.startCommand(),
              target.startSocket(),
              settings.runcFloor(),
              target.runcRoot() == null ? null : new RuncExecFloor(target.runcRoot())));
    }
    for (int e = 0; e < n; e++) {
      Workload workload = workloads.get(e);
      BenchContext context = contexts.get(e);
      String skip = workload.skipReason(context);
      if (skip != null) {
        outcomes[e] = new Outcome.Skipped(skip);
        continue;
      }
      try {
        if (workload.needsImage()) {
          Images.ensure(context.client(), settings.image());
        }
        workload.setUp(context);
      } catch (Exception error) {
        outcomes[e] = Outcome.of(error);
      }
    }
    for (Schedule.Turn turn : Schedule.alternate(settings.rounds(), n)) {
      int e = turn.endpoint();
      if (outcomes[e] != null) {
        continue;
      }
      progress.printf(
          "%s: round %d/%d on %s%n",
          name, turn.round() + 1, settings.rounds(), targets.get(e).label());
      try {
        workloads.get(e).round(contexts.get(e), samples.get(e));
      } catch (Exception error) {
        outcomes[e] = Outcome.of(error);
      }
    }
    for (int e = 0; e < n; e++) {
      BenchContext context = contexts.get(e);
      try {
        if (!(outcomes[e] instanceof Outcome.Skipped)) {
          workloads.get(e).tearDown(context);
        }
        context.fleet().close();
      } catch (Exception error) {
        if (outcomes[e] == null) {
          outcomes[e] = Outcome.of(error);
        }
      }
      if (outcomes[e] == null) {
        outcomes[e] = new Outcome.Measured(samples.get(e).snapshot());
      }
      progress.printf("%s on %s: %s%n", name, targets.get(e).label(), outcomes[e].text());
    }
    return new WorkloadResult(name, List.of(outcomes));
  }
}
