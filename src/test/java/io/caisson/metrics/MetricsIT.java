package io.caisson.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ContainerMetrics;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.GetEventsRequest;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.ListMetricDescriptorsRequest;
import io.caisson.cri.v1.ListPodSandboxMetricsRequest;
import io.caisson.cri.v1.Metric;
import io.caisson.cri.v1.MetricDescriptor;
import io.caisson.cri.v1.MetricType;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PodSandboxMetrics;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.testing.DaemonProcess;
import io.caisson.testing.LeakCheck;
import io.caisson.testing.TestImages;
import io.caisson.testing.TestNetwork;
import io.caisson.testing.TestRegistry;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cAdvisor metrics of a busy pod over CRI, and the daemon's own /metrics endpoint. */
class MetricsIT {
  @TempDir static Path shared;
  private static TestRegistry registry;
  private static String image;
  private static String pause;

  @TempDir Path dir;
  private LeakCheck leaks;
  private TestNetwork network;
  private DaemonProcess daemon;
  private String metricsAddress;
  private String pod;

  @BeforeAll
  static void pushImages() throws Exception {
    registry = TestRegistry.start(shared.resolve("registry"));
    image = TestImages.pushBusybox(registry, "it/busybox", "1", "{\"Cmd\": [\"sleep\", \"3600\"]}");
    pause =
        TestImages.pushBusybox(registry, "it/pause", "1", "{\"Cmd\": [\"sleep\", \"2147483647\"]}");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @BeforeEach
  void start() throws Exception {
    leaks = LeakCheck.snapshot(dir);
    network = new TestNetwork(dir);
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      metricsAddress = "127.0.0.1:" + free.getLocalPort();
    }
    daemon =
        DaemonProcess.start(
            dir.resolve("daemon"),
            "--cni-conf-dir",
            network.confDir().toString(),
            "--pause-image",
            pause,
            "--metrics-address",
            metricsAddress);
    daemon
        .images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    pod =
        daemon
            .runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(
                        PodSandboxConfig.newBuilder()
                            .setMetadata(
                                PodSandboxMetadata.newBuilder()
                                    .setName("metrics-it")
                                    .setNamespace("it-ns")
                                    .setUid(UUID.randomUUID().toString()))
                            .setLogDirectory(dir.resolve("logs").toString()))
                    .build())
            .getPodSandboxId();
  }

  @AfterEach
  void stop() throws Exception {
    daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    daemon.close();
    network.assertNothingAttached();
    network.close();
    leaks.assertNothingLeaked();
  }

  @Test
  void aSpinningContainerShowsInCadvisorMetricsAndTheDaemonCountsItsCalls() throws Exception {
    String id =
        runContainer(
            "spin",
            "while true; do :; done",
            LinuxContainerResources.newBuilder()
                .setMemoryLimitInBytes(64L << 20)
                // Half a core: a spinning shell is throttled.
                .setCpuPeriod(100_000)
                .setCpuQuota(50_000));

    Map<String, MetricDescriptor> descriptors =
        daemon
            .runtime()
            .listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
            .getDescriptorsList()
            .stream()
            .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));
    assertThat(descriptors)
        .containsKeys(
            "container_cpu_usage_seconds_total",
            "container_cpu_user_seconds_total",
            "container_cpu_system_seconds_total",
            "container_memory_usage_bytes",
            "container_memory_working_set_bytes",
            "container_memory_rss",
            "container_memory_cache",
            "container_spec_memory_limit_bytes",
            "container_network_receive_bytes_total",
            "container_network_transmit_bytes_total",
            "container_network_receive_errors_total",
            "container_network_receive_packets_total",
            "container_processes",
            "container_fs_usage_bytes",
            "container_cpu_cfs_periods_total",
            "container_cpu_cfs_throttled_periods_total",
            "container_cpu_cfs_throttled_seconds_total",
            "container_memory_swap",
            "container_memory_mapped_file",
            "container_memory_max_usage_bytes",
            "container_oom_events_total",
            "container_spec_cpu_period",
            "container_spec_cpu_quota",
            "container_spec_cpu_shares",
            "container_spec_memory_reservation_limit_bytes",
            "container_spec_memory_swap_limit_bytes",
            "container_fs_reads_bytes_total",
            "container_fs_writes_bytes_total",
            "container_fs_reads_total",
            "container_fs_writes_total",
            "container_last_seen");
    assertThat(descriptors.get("container_fs_reads_bytes_total").getLabelKeysList())
        .endsWith("device");
    assertThat(descriptors.get("container_cpu_usage_seconds_total").getLabelKeysList())
        .containsExactly("container", "id", "image", "name", "namespace", "pod", "cpu");
    assertThat(descriptors.get("container_network_receive_bytes_total").getLabelKeysList())
        .endsWith("interface");

    // A shell spinning on a core passes a whole CPU second (the wire carries whole seconds).
    long deadline = System.nanoTime() + 20_000_000_000L;
    Metric cpu;
    do {
      Thread.sleep(500);
      cpu = containerMetric(id, "container_cpu_usage_seconds_total");
    } while (cpu.getValue().getValue() < 1 && System.nanoTime() < deadline);
    assertThat(cpu.getValue().getValue()).isPositive();
    assertThat(cpu.getMetricType()).isEqualTo(MetricType.COUNTER);
    assertThat(cpu.getTimestamp())
        .isGreaterThan(System.currentTimeMillis() * 1_000_000L - 60_000_000_000L);
    assertThat(cpu.getLabelValuesList())
        .hasSize(7)
        .startsWith("spin")
        .contains(id, image, "it-ns", "metrics-it")
        .endsWith("total");
    Metric limit = containerMetric(id, "container_spec_memory_limit_bytes");
    assertThat(limit.getMetricType()).isEqualTo(MetricType.GAUGE);
    assertThat(limit.getValue().getValue()).isEqualTo(64L << 20);
    assertThat(containerMetric(id, "container_memory_working_set_bytes").getValue().getValue())
        .isPositive();
    assertThat(containerMetric(id, "container_processes").getValue().getValue()).isPositive();
    // A second of CPU at half a core took at least two seconds, throttled in each period.
    assertThat(containerMetric(id, "container_cpu_cfs_periods_total").getValue().getValue())
        .isGreaterThanOrEqualTo(10);
    assertThat(
            containerMetric(id, "container_cpu_cfs_throttled_periods_total").getValue().getValue())
        .isPositive();
    assertThat(containerMetric(id, "container_cpu_cfs_throttled_periods_total").getMetricType())
        .isEqualTo(MetricType.COUNTER);
    // The settings it runs under, as cAdvisor reads them from its cgroup.
    assertThat(containerMetric(id, "container_spec_cpu_quota").getValue().getValue())
        .isEqualTo(50_000);
    assertThat(containerMetric(id, "container_spec_cpu_period").getValue().getValue())
        .isEqualTo(100_000);
    assertThat(containerMetric(id, "container_spec_cpu_shares").getValue().getValue()).isPositive();
    assertThat(containerMetric(id, "container_memory_max_usage_bytes").getValue().getValue())
        .isPositive();
    assertThat(containerMetric(id, "container_oom_events_total").getValue().getValue()).isZero();
    assertThat(containerMetric(id, "container_last_seen").getValue().getValue())
        .isGreaterThan(System.currentTimeMillis() / 1000 - 60);

    PodSandboxMetrics podMetrics = podMetrics();
    Metric podCpu = metric(podMetrics.getMetricsList(), "container_cpu_usage_seconds_total");
    assertThat(podCpu.getValue().getValue()).isPositive();
    assertThat(podCpu.getLabelValues(0)).as("pod level: no container").isEmpty();
    Metric rx =
        podMetrics.getMetricsList().stream()
            .filter(m -> m.getName().equals("container_network_receive_bytes_total"))
            .filter(m -> m.getLabelValuesList().getLast().equals("eth0"))
            .findFirst()
            .orElseThrow();
    assertThat(rx.getMetricType()).isEqualTo(MetricType.COUNTER);
    // Every metric has exactly as many label values as its descriptor has keys.
    for (Metric m : podMetrics.getMetricsList()) {
      assertThat(m.getLabelValuesCount())
          .as(m.getName())
          .isEqualTo(descriptors.get(m.getName()).getLabelKeysCount());
    }
    for (ContainerMetrics c : podMetrics.getContainerMetricsList()) {
      for (Metric m : c.getMetricsList()) {
        assertThat(m.getLabelValuesCount())
            .as(m.getName())
            .isEqualTo(descriptors.get(m.getName()).getLabelKeysCount());
      }
    }

    // The daemon's own metrics, after the calls above and one failing call.
    try {
      daemon
          .runtime()
          .containerStatus(ContainerStatusRequest.newBuilder().setContainerId("nosuch").build());
    } catch (StatusRuntimeException expected) {
      // NOT_FOUND, counted below
    }
    Context.CancellableContext watching = Context.current().withCancellation();
    watching.run(
        () ->
            RuntimeServiceGrpc.newStub(daemon.channel())
                .getContainerEvents(GetEventsRequest.getDefaultInstance(), new Ignore<>()));
    try {
      String text = scrapeUntil("caisson_container_event_subscribers 1");
      assertThat(text)
          .contains(
              "caisson_grpc_requests_total{service=\"RuntimeService\",method=\"RunPodSandbox\",code=\"OK\"} 1\n")
          .contains(
              "caisson_grpc_requests_total{service=\"RuntimeService\",method=\"ContainerStatus\",code=\"NOT_FOUND\"} 1\n")
          .contains(
              "caisson_grpc_requests_total{service=\"ImageService\",method=\"PullImage\",code=\"OK\"} 1\n")
          .contains("# TYPE caisson_grpc_request_duration_seconds histogram\n")
          .contains(
              "caisson_grpc_request_duration_seconds_count{service=\"RuntimeService\",method=\"StartContainer\",code=\"OK\"} 1\n")
          .contains(
              "caisson_grpc_request_duration_seconds_bucket{service=\"RuntimeService\",method=\"StartContainer\",code=\"OK\",le=\"+Inf\"} 1\n")
          // Ours, and the pause image the daemon pulls itself for the pod's shared PID namespace.
          .containsPattern("caisson_image_pulls_total\\{result=\"success\"} [12]\n")
          .containsPattern("caisson_image_pull_duration_seconds_count\\{result=\"success\"} [12]\n")
          .contains("caisson_containers{state=\"running\"} 1\n")
          .contains("caisson_pod_sandboxes{state=\"ready\"} 1\n")
          .containsPattern("caisson_image_pull_bytes_total [1-9][0-9]{5,}\n")
          .containsPattern("caisson_jvm_memory_used_bytes\\{area=\"heap\"} [1-9][0-9]+\n")
          .containsPattern("caisson_jvm_memory_used_bytes\\{area=\"nonheap\"} [1-9][0-9]+\n")
          .containsPattern("process_resident_memory_bytes [1-9][0-9]{6,}\n");
    } finally {
      watching.cancel(null);
    }
    assertThat(
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://" + metricsAddress + "/other"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
  }

  /**
   * A process the OOM killer kills in a container that lives on: container_oom_events_total counts
   * it, as cAdvisor's does, and kube-prometheus's OOM alerts read it.
   */
  @Test
  void anOomKillInAContainerIsCounted() throws Exception {
    // tail keeps /dev/zero's endless "line" in memory until it is killed; the shell and its sleep
    // stay.
    String id =
        runContainer(
            "oom",
            "tail /dev/zero; sleep 3600",
            LinuxContainerResources.newBuilder().setMemoryLimitInBytes(16L << 20));
    long deadline = System.nanoTime() + 30_000_000_000L;
    long kills;
    do {
      Thread.sleep(200);
      kills = containerMetric(id, "container_oom_events_total").getValue().getValue();
    } while (kills == 0 && System.nanoTime() < deadline);
    assertThat(kills).isEqualTo(1);
    assertThat(containerMetric(id, "container_memory_max_usage_bytes").getValue().getValue())
        .isGreaterThan(8L << 20)
        .isLessThanOrEqualTo(16L << 20);
  }

  /** A started container of the pod running {@code script} in sh, under {@code resources}. */
  private String runContainer(
      String name, String script, LinuxContainerResources.Builder resources) {
    String id =
        daemon
            .runtime()
            .createContainer(
                CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod)
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName(name))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .setLogPath(name + ".log")
                            .addAllCommand(List.of("sh", "-c", script))
                            .setLinux(LinuxContainerConfig.newBuilder().setResources(resources)))
                    .build())
            .getContainerId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private String scrapeUntil(String wanted) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + metricsAddress + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      if (response.body().contains(wanted) || System.nanoTime() > deadline) {
        assertThat(response.body()).contains(wanted);
        return response.body();
      }
      Thread.sleep(100);
    }
  }

  private PodSandboxMetrics podMetrics() {
    return daemon
        .runtime()
        .listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
        .getPodMetricsList()
        .stream()
        .filter(p -> p.getPodSandboxId().equals(pod))
        .findFirst()
        .orElseThrow();
  }

  private Metric containerMetric(String id, String name) {
    ContainerMetrics metrics =
        podMetrics().getContainerMetricsList().stream()
            .filter(c -> c.getContainerId().equals(id))
            .findFirst()
            .orElseThrow();
    return metric(metrics.getMetricsList(), name);
  }

  private static Metric metric(List<Metric> metrics, String name) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing"));
  }

  private static final class Ignore<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
