package io.caisson.bench;

/** Run pod, create + start + stop + remove a container, stop + remove the pod: total time. */
public final class LifecycleWorkload implements Workload {
  @Override
  public String name() {
    return "lifecycle";
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    for (int i = 0; i < context.iterations(); i++) {
      samples.add("pod+container lifecycle", "ms", Lifecycles.once(context.fleet(), "lifecycle"));
    }
  }
}
