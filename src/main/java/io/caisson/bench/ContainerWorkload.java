package io.caisson.bench;

import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopContainerRequest;
import java.time.Duration;

/**
 * CreateContainer, StartContainer, ContainerStatus, StopContainer (timeout 0: SIGKILL, as critest's
 * benchmark does) and RemoveContainer of busybox {@code sleep 3600}, in one pod made for it. With a
 * {@link RuncFloor}, each iteration ends with one timed raw {@code runc run}: the floor that Create
 * + Start is held against, measured in the same rounds.
 *
 * <p>With a floor, both the floor and CreateContainer start from a quiet node ({@link #QUIET}
 * without a call before them). Both move processes into cgroups, and on a node whose cgroups are
 * not mounted with favordynmods the first such move after ~20 ms without one waits for an RCU grace
 * period (~6 ms here); a floor run right before CreateContainer would spare it that wait while
 * paying it itself.
 */
public final class ContainerWorkload implements Workload {
  static final String CREATE_START = "CreateContainer + StartContainer";
  static final String FLOOR = "raw runc run of busybox true (floor)";
  static final Duration QUIET = Duration.ofMillis(100);
  private String pod;

  @Override
  public String name() {
    return "container";
  }

  @Override
  public void setUp(BenchContext context) throws Exception {
    pod = context.fleet().runPod("container");
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    Fleet fleet = context.fleet();
    var runtime = context.client().runtime();
    for (int i = 0; i < context.iterations(); i++) {
      var request = fleet.createRequest(pod, fleet.configOf(pod), "c" + i);
      if (context.runcFloor() != null) {
        Thread.sleep(QUIET);
      }
      long created = System.nanoTime();
      String id =
          samples.time("CreateContainer", () -> runtime.createContainer(request).getContainerId());
      fleet.trackContainer(id, pod);
      samples.time(
          "StartContainer",
          () ->
              runtime.startContainer(
                  StartContainerRequest.newBuilder().setContainerId(id).build()));
      samples.add(CREATE_START, "ms", (System.nanoTime() - created) / 1e6);
      samples.time(
          "ContainerStatus",
          () ->
              runtime.containerStatus(
                  ContainerStatusRequest.newBuilder().setContainerId(id).build()));
      samples.time(
          "StopContainer",
          () ->
              runtime.stopContainer(
                  StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build()));
      samples.time(
          "RemoveContainer",
          () ->
              runtime.removeContainer(
                  RemoveContainerRequest.newBuilder().setContainerId(id).build()));
      fleet.forget(id);
      if (context.runcFloor() != null) {
        Thread.sleep(QUIET);
        RuncFloor floor = context.runcFloor();
        samples.time(
            FLOOR,
            () -> {
              floor.runOnce();
              return null;
            });
      }
    }
  }

  @Override
  public void tearDown(BenchContext context) {
    if (pod != null) {
      context.fleet().removePod(pod);
    }
  }
}
