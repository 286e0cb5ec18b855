package io.caisson.bench;

import java.util.List;

/**
 * One benchmark workload on one endpoint. The runner makes a fresh instance per endpoint, calls
 * {@link #setUp} once, {@link #round} once per round (alternating endpoints), then {@link
 * #tearDown}. Everything a workload creates goes through the context's {@link Fleet}, which removes
 * leftovers even when a round fails.
 */
public sealed interface Workload
    permits SandboxWorkload,
        ContainerWorkload,
        LifecycleWorkload,
        ExecWorkload,
        RelistWorkload,
        ParallelWorkload,
        PullWorkload,
        MemoryWorkload,
        StartupWorkload,
        StatsWorkload {

  /** The workload names in the order they run. */
  List<String> NAMES =
      List.of(
          "sandbox",
          "container",
          "lifecycle",
          "exec",
          "relist",
          "parallel",
          "pull",
          "memory",
          "stats",
          "startup");

  static Workload create(String name) {
    return switch (name) {
      case "sandbox" -> new SandboxWorkload();
      case "container" -> new ContainerWorkload();
      case "lifecycle" -> new LifecycleWorkload();
      case "exec" -> new ExecWorkload();
      case "relist" -> new RelistWorkload();
      case "parallel" -> new ParallelWorkload();
      case "pull" -> new PullWorkload();
      case "memory" -> new MemoryWorkload();
      case "stats" -> new StatsWorkload();
      case "startup" -> new StartupWorkload();
      default ->
          throw new IllegalArgumentException(
              "unknown workload " + name + "; known: " + String.join(",", NAMES));
    };
  }

  String name();

  /** Whether the container image must be present before the first round (pulled untimed). */
  default boolean needsImage() {
    return true;
  }

  /** Why this workload cannot run with these options, or null. */
  default String skipReason(BenchContext context) {
    return null;
  }

  default void setUp(BenchContext context) throws Exception {}

  void round(BenchContext context, Samples samples) throws Exception;

  default void tearDown(BenchContext context) throws Exception {}
}
