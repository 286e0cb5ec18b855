package io.caisson.bench;

import io.caisson.cri.v1.Container;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ContainerStatusResponse;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.ListPodSandboxRequest;
import io.caisson.cri.v1.RuntimeServiceGrpc.RuntimeServiceStub;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import java.util.List;

/**
 * kubelet's relist at N pods x 2 running containers: ListPodSandbox, ListContainers, then
 * ContainerStatus of every container, one after the other as PLEG does. The pods are created once
 * (untimed, 4 at a time) and kept for all rounds. Then {@value #UNTIMED_PASSES} relists are run
 * untimed, as PLEG would in the first seconds of a node with these pods (it relists every second):
 * they also warm this client's JIT for the calls, which would otherwise weigh most on whichever
 * endpoint the first timed round goes to.
 *
 * <p>The status calls and the Version floor are timed a second way too, chained on the client's I/O
 * thread ({@link ChainedCalls}): without the blocking stub's two thread hand-offs per call, which
 * are most of this client's share, the runtimes' own costs per call weigh more.
 */
public final class RelistWorkload implements Workload {
  private static final int UNTIMED_PASSES = 10;

  @Override
  public String name() {
    return "relist";
  }

  @Override
  public void setUp(BenchContext context) throws Exception {
    Fleet fleet = context.fleet();
    Parallel.run(
        4,
        context.pods(),
        i -> {
          String pod = fleet.runPod("relist");
          fleet.runContainer(pod, "a");
          fleet.runContainer(pod, "b");
        });
    var runtime = context.client().runtime();
    var chained = context.client().runtimeOnIoThread();
    for (int pass = 0; pass < UNTIMED_PASSES; pass++) {
      runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      List<Container> containers =
          runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
      for (Container container : containers) {
        runtime.containerStatus(
            ContainerStatusRequest.newBuilder().setContainerId(container.getId()).build());
      }
      statusesChained(chained, containers);
    }
  }

  /** ContainerStatus of every container, each call sent from the previous answer's callback. */
  private static void statusesChained(RuntimeServiceStub chained, List<Container> containers)
      throws Exception {
    ChainedCalls.<ContainerStatusResponse>run(
        containers.size(),
        (n, observer) ->
            chained.containerStatus(
                ContainerStatusRequest.newBuilder()
                    .setContainerId(containers.get(n).getId())
                    .build(),
                observer));
  }

  @Override
  public void round(BenchContext context, Samples samples) throws Exception {
    var runtime = context.client().runtime();
    String label = "%d pods x 2".formatted(context.pods());
    for (int i = 0; i < context.iterations(); i++) {
      long start = System.nanoTime();
      samples.time(
          "ListPodSandbox",
          () -> runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
      List<Container> containers =
          samples
              .time(
                  "ListContainers",
                  () -> runtime.listContainers(ListContainersRequest.getDefaultInstance()))
              .getContainersList();
      long statuses = System.nanoTime();
      for (Container container : containers) {
        runtime.containerStatus(
            ContainerStatusRequest.newBuilder().setContainerId(container.getId()).build());
      }
      samples.add("ContainerStatus x all", "ms", (System.nanoTime() - statuses) / 1e6);
      samples.add("relist total (" + label + ")", "ms", (System.nanoTime() - start) / 1e6);
      // The same number of calls that do nothing: this client's and the transport's share of the
      // relist, which no runtime can go below.
      long floor = System.nanoTime();
      for (int call = 0; call < containers.size() + 2; call++) {
        runtime.version(VersionRequest.getDefaultInstance());
      }
      samples.add("Version x as many (call floor)", "ms", (System.nanoTime() - floor) / 1e6);
      var chained = context.client().runtimeOnIoThread();
      long chainedStatuses = System.nanoTime();
      statusesChained(chained, containers);
      samples.add(
          "ContainerStatus x all, chained", "ms", (System.nanoTime() - chainedStatuses) / 1e6);
      long chainedFloor = System.nanoTime();
      ChainedCalls.<VersionResponse>run(
          containers.size() + 2,
          (n, observer) -> chained.version(VersionRequest.getDefaultInstance(), observer));
      samples.add("Version x as many, chained", "ms", (System.nanoTime() - chainedFloor) / 1e6);
    }
  }

  @Override
  public void tearDown(BenchContext context) throws Exception {
    Fleet fleet = context.fleet();
    List<String> pods = fleet.podIds();
    Parallel.run(4, pods.size(), i -> fleet.removePod(pods.get(i)));
  }
}
