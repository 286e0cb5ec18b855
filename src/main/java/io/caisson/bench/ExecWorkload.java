package io.caisson.bench;

import io.caisson.cri.v1.ExecSyncRequest;

/**
 * ExecSync {@code true} in a running busybox container; with a {@link RuncExecFloor}, each one is
 * followed by a timed raw {@code runc exec} of {@code true} in the same container. Each ExecSync
 * and each floor starts after {@link ContainerWorkload#QUIET}: a floor right after the call would
 * share the machine with the runtime's own work after its answer, and kubelet's probes come seconds
 * apart, each to a quiet node.
 */
public final class ExecWorkload implements Workload {
  static final String EXEC = "ExecSync true";
  static final String FLOOR = "raw runc exec true (floor)";
  private String container;

  @Override
  public String name() {
    return "exec";
  }

  @Override
  public void setUp(BenchContext context) throws Exception {
    String pod = context.fleet().runPod("exec");
    container = context.fleet().runContainer(pod, "exec");
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    var request =
        ExecSyncRequest.newBuilder()
            .setContainerId(container)
            .addCmd("true")
            .setTimeout(30)
            .build();
    var runtime = context.client().runtime();
    for (int i = 0; i < context.iterations(); i++) {
      Thread.sleep(ContainerWorkload.QUIET);
      var response = samples.time(EXEC, () -> runtime.execSync(request));
      if (response.getExitCode() != 0) {
        throw new IllegalStateException(
            "ExecSync true exited "
                + response.getExitCode()
                + ": "
                + response.getStderr().toStringUtf8());
      }
      RuncExecFloor floor = context.execFloor();
      if (floor != null) {
        Thread.sleep(ContainerWorkload.QUIET);
        samples.time(
            FLOOR,
            () -> {
              floor.execTrue(container);
              return null;
            });
      }
    }
  }

  @Override
  public void tearDown(BenchContext context) {
    context.fleet().close();
  }
}
