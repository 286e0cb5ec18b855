package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.caisson.cri.v1.AttachRequest;
import io.caisson.cri.v1.ContainerStatsRequest;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.CreateContainerRequest;
import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.ImageServiceGrpc;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.ListContainersRequest;
import io.caisson.cri.v1.PodSandboxStatsRequest;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.PortForwardRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.ReopenContainerLogRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.cri.v1.UpdateContainerResourcesRequest;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.testing.TestNode;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of valid requests to every unary RPC of both services. The daemon must
 * stay up, answer every bad request with a client-error status (never UNKNOWN, INTERNAL or a hang),
 * and stay consistent: everything it lists can be inspected and removed, leaving nothing behind.
 * Re-run a failure with {@code -Dfuzz.seed=N}.
 */
class FuzzIT {
  private static final int MAX_CALLS = Integer.getInteger("fuzz.calls", 2000);
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(50);

  @TempDir Path dir;
  private TestNode node;
  private Random random;
  private List<String> strings;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void mutatedRequestsGetCleanAnswers() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    System.out.println("FuzzIT seed: " + seed + " (re-run with -Dfuzz.seed=" + seed + ")");
    random = new Random(seed);
    node = TestNode.start(dir);
    Map<String, Message> bases = freshTargets();
    List<MethodDescriptor<?, ?>> methods = unaryMethods();

    Map<String, Integer> codes = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    long deadline = System.nanoTime() + MAX_NANOS;
    int calls = 0;
    for (; calls < MAX_CALLS && System.nanoTime() < deadline; calls++) {
      if (calls % 40 == 39 && !targetAlive(bases)) {
        // A fuzzed Stop/Remove hit the pod or container: give later calls live targets again.
        bases = freshTargets();
      }
      MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
      Message base =
          bases.getOrDefault(
              method.getBareMethodName(), prototype(method).getDefaultInstanceForType());
      Message.Builder request = base.toBuilder();
      int mutations = random.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        mutate(request, 0);
      }
      confine(method.getBareMethodName(), request);
      Status.Code code = call(method, request.build(), failures);
      codes.merge(method.getBareMethodName() + " " + code, 1, Integer::sum);
      assertThat(node.daemon.process().isAlive())
          .as("daemon alive after %s %s", method.getBareMethodName(), request)
          .isTrue();
    }
    System.out.println("FuzzIT: " + calls + " calls, outcomes " + codes);
    if (!failures.isEmpty()) {
      // The daemon's side of a fault: what it logged just before answering.
      String log = node.daemon.log();
      System.out.println("daemon log (end):\n" + log.substring(Math.max(0, log.length() - 30_000)));
    }
    assertThat(failures).as("server faults for bad input (seed %d)", seed).isEmpty();

    // Consistent: every listed object answers its status call, then everything is removable.
    for (var c :
        node.daemon
            .runtime()
            .listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersList()) {
      node.status(c.getId());
    }
    for (var p : node.pods()) {
      node.daemon
          .runtime()
          .podSandboxStatus(
              PodSandboxStatusRequest.newBuilder().setPodSandboxId(p.getId()).build());
    }
    node.cleanUpAndAssertNothingLeaked();
  }

  private Map<String, Message> freshTargets() {
    // A fuzzed RemoveImage may have taken the image once no container used it.
    node.daemon
        .images()
        .pullImage(
            io.caisson.cri.v1.PullImageRequest.newBuilder()
                .setImage(io.caisson.cri.v1.ImageSpec.newBuilder().setImage(node.image))
                .build());
    String pod = node.runPod("fuzz-" + random.nextInt(1_000_000));
    String container = node.run(pod, "fuzz", node.container("target", "sleep", "3600"));
    strings = stringPool(pod, container);
    return bases(pod, container);
  }

  private boolean targetAlive(Map<String, Message> bases) {
    String container = ((StartContainerRequest) bases.get("StartContainer")).getContainerId();
    try {
      return node.status(container).getState()
          == io.caisson.cri.v1.ContainerState.CONTAINER_RUNNING;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private Status.Code call(MethodDescriptor<?, ?> method, Message request, List<String> failures) {
    @SuppressWarnings("unchecked")
    MethodDescriptor<Message, Message> typed = (MethodDescriptor<Message, Message>) method;
    try {
      ClientCalls.blockingUnaryCall(
          node.daemon.channel(),
          typed,
          CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
          request);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNKNOWN
          || code == Status.Code.INTERNAL
          || code == Status.Code.DEADLINE_EXCEEDED) {
        String text = request.toString();
        failures.add(
            method.getBareMethodName()
                + " -> "
                + e.getStatus()
                + "\n  request: "
                + text.substring(0, Math.min(text.length(), 2000)));
      }
      return code;
    }
  }

  /** Keeps the fuzzer off the internet and off the host's own files. */
  private void confine(String method, Message.Builder request) {
    if (method.equals("PullImage")) {
      PullImageRequest.Builder pull = (PullImageRequest.Builder) request;
      String image = pull.getImage().getImage();
      if (!image.startsWith(node.registry.host()) && !image.startsWith("127.0.0.1:1/")) {
        pull.setImage(pull.getImage().toBuilder().setImage("127.0.0.1:1/" + image));
      }
    }
  }

  // ---- mutation ------------------------------------------------------------------------------

  private void mutate(Message.Builder builder, int depth) {
    List<FieldDescriptor> fields = builder.getDescriptorForType().getFields();
    if (fields.isEmpty()) {
      return;
    }
    FieldDescriptor field = fields.get(random.nextInt(fields.size()));
    if (random.nextInt(8) == 0) {
      builder.clearField(field);
      return;
    }
    if (field.isMapField()) {
      Message.Builder entry = builder.newBuilderForField(field);
      for (FieldDescriptor part : entry.getDescriptorForType().getFields()) {
        entry.setField(part, scalar(part));
      }
      builder.addRepeatedField(field, entry.build());
    } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (depth > 5) {
        return;
      }
      if (field.isRepeated()) {
        Message.Builder element = builder.newBuilderForField(field);
        mutate(element, depth + 1);
        builder.addRepeatedField(field, element.build());
      } else {
        mutate(builder.getFieldBuilder(field), depth + 1);
      }
    } else if (field.isRepeated()) {
      builder.addRepeatedField(field, scalar(field));
    } else {
      builder.setField(field, scalar(field));
    }
  }

  private Object scalar(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case INT -> pick(0, -1, 1, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt());
      case LONG -> pick(0L, -1L, 1L, 4096L, Long.MAX_VALUE, Long.MIN_VALUE, random.nextLong());
      case FLOAT -> pick(0f, -1f, Float.NaN, Float.MAX_VALUE);
      case DOUBLE -> pick(0d, -1d, Double.NaN, Double.MAX_VALUE);
      case BOOLEAN -> random.nextBoolean();
      case STRING -> strings.get(random.nextInt(strings.size()));
      case BYTE_STRING -> ByteString.copyFrom(new byte[random.nextInt(64)]);
      case ENUM -> {
        EnumDescriptor type = field.getEnumType();
        yield random.nextInt(5) == 0
            ? type.findValueByNumberCreatingIfUnknown(1000 + random.nextInt(1000))
            : type.getValues().get(random.nextInt(type.getValues().size()));
      }
      case MESSAGE -> throw new IllegalStateException("not a scalar: " + field);
    };
  }

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[random.nextInt(values.length)];
  }

  private List<String> stringPool(String pod, String container) {
    return List.of(
        "",
        ".",
        "..",
        "../../etc/x",
        "a/b",
        "*",
        "\n",
        "é中",
        "x".repeat(300),
        pod,
        pod.substring(0, 6),
        container,
        container.substring(0, 4),
        node.image,
        "127.0.0.1:1/nope:1",
        "UPPER::bad",
        "sha256:" + "0".repeat(64),
        dir.resolve("fuzz").toString(),
        dir.resolve("fuzz/file.log").toString(),
        "runc",
        "TCP",
        "kubernetes.io/test",
        "SIGTERM");
  }

  private Map<String, Message> bases(String pod, String container) {
    Map<String, Message> bases = new HashMap<>();
    var podConfig =
        node.pod("fuzz-new").toBuilder().setLogDirectory(dir.resolve("fuzz").toString());
    bases.put("Version", VersionRequest.getDefaultInstance());
    bases.put("RunPodSandbox", RunPodSandboxRequest.newBuilder().setConfig(podConfig).build());
    bases.put("StopPodSandbox", StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    bases.put(
        "RemovePodSandbox", RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    bases.put(
        "PodSandboxStatus", PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build());
    bases.put(
        "CreateContainer",
        CreateContainerRequest.newBuilder()
            .setPodSandboxId(pod)
            .setSandboxConfig(node.pod("fuzz"))
            .setConfig(node.container("fuzzed", "sleep", "3600"))
            .build());
    bases.put(
        "StartContainer", StartContainerRequest.newBuilder().setContainerId(container).build());
    bases.put(
        "StopContainer",
        StopContainerRequest.newBuilder().setContainerId(container).setTimeout(1).build());
    bases.put(
        "RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(container).build());
    bases.put(
        "ContainerStatus", ContainerStatusRequest.newBuilder().setContainerId(container).build());
    bases.put(
        "UpdateContainerResources",
        UpdateContainerResourcesRequest.newBuilder().setContainerId(container).build());
    bases.put(
        "ReopenContainerLog",
        ReopenContainerLogRequest.newBuilder().setContainerId(container).build());
    bases.put(
        "ExecSync",
        ExecSyncRequest.newBuilder()
            .setContainerId(container)
            .addCmd("true")
            .setTimeout(5)
            .build());
    bases.put(
        "Exec",
        ExecRequest.newBuilder().setContainerId(container).addCmd("sh").setStdout(true).build());
    bases.put(
        "Attach", AttachRequest.newBuilder().setContainerId(container).setStdout(true).build());
    bases.put(
        "PortForward", PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(80).build());
    bases.put(
        "ContainerStats", ContainerStatsRequest.newBuilder().setContainerId(container).build());
    bases.put("PodSandboxStats", PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build());
    ImageSpec image = ImageSpec.newBuilder().setImage(node.image).build();
    bases.put("ImageStatus", ImageStatusRequest.newBuilder().setImage(image).build());
    bases.put("PullImage", PullImageRequest.newBuilder().setImage(image).build());
    bases.put("RemoveImage", RemoveImageRequest.newBuilder().setImage(image).build());
    return bases;
  }

  private static List<MethodDescriptor<?, ?>> unaryMethods() {
    List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
    for (var service :
        List.of(
            RuntimeServiceGrpc.getServiceDescriptor(), ImageServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        // GetContainerEvents streams until cancelled: not a request/answer to fuzz.
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
          methods.add(method);
        }
      }
    }
    return methods;
  }

  private static Message prototype(MethodDescriptor<?, ?> method) {
    return (Message)
        ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
            .getMessagePrototype();
  }

  @SuppressWarnings("unused")
  private static Object unusedProtoUtils() {
    return ProtoUtils.class;
  }
}
