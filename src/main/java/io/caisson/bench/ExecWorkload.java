package io.caisson.bench;

import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ExecSyncResponse;
import java.net.URI;
import java.time.Duration;

/**
 * ExecSync {@code true} in a running busybox container; with a {@link RuncExecFloor}, each one is
 * followed by a timed raw {@code runc exec} of {@code true} in the same container; then ExecSync
 * {@code true} in a second container confined by seccomp {@code RuntimeDefault} (kubelet's default
 * is {@code Unconfined}; the restricted Pod Security Standard asks for this one). Each ExecSync and
 * each floor starts after {@link ContainerWorkload#QUIET}: a floor right after the call would share
 * the machine with the runtime's own work after its answer, and kubelet's probes come seconds
 * apart, each to a quiet node. Last, an exec of {@code true} in the first container as {@code
 * kubectl exec} without {@code -t} makes it ({@link SpdyExec}): the Exec call, the connection to
 * the runtime's streaming server and the command, until its status arrives.
 */
public final class ExecWorkload implements Workload {
  static final String EXEC = "ExecSync true";
  static final String FLOOR = "raw runc exec true (floor)";
  static final String EXEC_SECCOMP = "ExecSync true, seccomp RuntimeDefault";
  static final String EXEC_STREAMING = "Exec true over SPDY, no terminal";
  private static final Duration STREAMING_TIMEOUT = Duration.ofSeconds(30);
  private String container;
  private String confined;

  @Override
  public String name() {
    return "exec";
  }

  @Override
  public void setUp(BenchContext context) throws Exception {
    String pod = context.fleet().runPod("exec");
    container = context.fleet().runContainer(pod, "exec");
    confined =
        context.fleet().runContainer(pod, context.fleet().confinedContainerConfig("exec-seccomp"));
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    var request =
        ExecSyncRequest.newBuilder()
            .setContainerId(container)
            .addCmd("true")
            .setTimeout(30)
            .build();
    var confinedRequest = request.toBuilder().setContainerId(confined).build();
    var streamingRequest =
        ExecRequest.newBuilder().setContainerId(container).addCmd("true").setStdout(true).build();
    var runtime = context.client().runtime();
    for (int i = 0; i < context.iterations(); i++) {
      Thread.sleep(ContainerWorkload.QUIET);
      requireSuccess(samples.time(EXEC, () -> runtime.execSync(request)));
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
      Thread.sleep(ContainerWorkload.QUIET);
      requireSuccess(samples.time(EXEC_SECCOMP, () -> runtime.execSync(confinedRequest)));
      Thread.sleep(ContainerWorkload.QUIET);
      String status =
          samples.time(
              EXEC_STREAMING,
              () ->
                  SpdyExec.run(
                      URI.create(runtime.exec(streamingRequest).getUrl()), STREAMING_TIMEOUT));
      if (!status.contains("\"Success\"")) {
        throw new IllegalStateException("Exec true over SPDY ended with " + status);
      }
    }
  }

  private static void requireSuccess(ExecSyncResponse response) {
    if (response.getExitCode() != 0) {
      throw new IllegalStateException(
          "ExecSync true exited "
              + response.getExitCode()
              + ": "
              + response.getStderr().toStringUtf8());
    }
  }

  @Override
  public void tearDown(BenchContext context) {
    context.fleet().close();
  }
}
