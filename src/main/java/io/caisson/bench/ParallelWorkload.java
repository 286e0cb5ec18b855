package io.caisson.bench;

/**
 * Full pod + container lifecycles at parallelism 2 and 8: per-lifecycle latency and throughput.
 * Each round runs {@code iterations} lifecycles at each parallelism.
 */
public final class ParallelWorkload implements Workload {
  private static final int[] LEVELS = {2, 8};

  @Override
  public String name() {
    return "parallel";
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    for (int level : LEVELS) {
      int count = Math.max(context.iterations(), level);
      long start = System.nanoTime();
      Parallel.run(
          level,
          count,
          i ->
              samples.add(
                  "lifecycle at parallelism " + level,
                  "ms",
                  Lifecycles.once(context.fleet(), "parallel")));
      double seconds = (System.nanoTime() - start) / 1e9;
      samples.add("throughput at parallelism " + level, "pods/s", count / seconds);
    }
  }
}
