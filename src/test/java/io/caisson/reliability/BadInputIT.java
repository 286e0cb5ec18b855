package io.caisson.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.caisson.cri.v1.AttachRequest;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerStatusRequest;
import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecSyncRequest;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxStatusRequest;
import io.caisson.cri.v1.PortForwardRequest;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.RemoveContainerRequest;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.RemovePodSandboxRequest;
import io.caisson.cri.v1.RunPodSandboxRequest;
import io.caisson.cri.v1.StartContainerRequest;
import io.caisson.cri.v1.StopContainerRequest;
import io.caisson.cri.v1.StopPodSandboxRequest;
import io.caisson.cri.v1.UpdateContainerResourcesRequest;
import io.caisson.cri.v1.UserNamespace;
import io.caisson.testing.TestNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that are wrong in every way a client can get them wrong: each is refused with a clear
 * gRPC status, and what the daemon lists is the same after as before.
 */
class BadInputIT {
  @TempDir static Path dir;
  private static TestNode node;
  private static String pod;
  private static String running;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start(dir);
    pod = node.runPod("bad");
    running = node.run(pod, "bad", node.container("target", "sleep", "3600"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      try {
        node.cleanUpAndAssertNothingLeaked();
      } finally {
        node.close();
      }
    }
  }

  @Test
  void malformedIdsAreInvalidArguments() {
    for (String id : List.of("", "../x", "a/b", "..", "/etc/passwd", "a\nb")) {
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.daemon
                  .runtime()
                  .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.daemon
                  .runtime()
                  .podSandboxStatus(
                      PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.daemon
                  .runtime()
                  .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.daemon
                  .runtime()
                  .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()));
      refused(
          Status.Code.INVALID_ARGUMENT, () -> node.create(id, "bad", node.container("x", "true")));
    }
  }

  @Test
  void unknownIdsAreNotFoundAndIdempotentCallsSucceed() {
    String unknown = "f".repeat(64);
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .containerStatus(
                    ContainerStatusRequest.newBuilder().setContainerId(unknown).build()));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .podSandboxStatus(
                    PodSandboxStatusRequest.newBuilder().setPodSandboxId(unknown).build()));
    refused(Status.Code.NOT_FOUND, () -> node.create(unknown, "bad", node.container("x", "true")));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .startContainer(
                    StartContainerRequest.newBuilder().setContainerId(unknown).build()));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .execSync(
                    ExecSyncRequest.newBuilder().setContainerId(unknown).addCmd("true").build()));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .exec(ExecRequest.newBuilder().setContainerId(unknown).addCmd("sh").build()));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .attach(
                    AttachRequest.newBuilder().setContainerId(unknown).setStdout(true).build()));
    refused(
        Status.Code.NOT_FOUND,
        () ->
            node.daemon
                .runtime()
                .portForward(
                    PortForwardRequest.newBuilder().setPodSandboxId(unknown).addPort(80).build()));
    String before = node.listing();
    node.daemon
        .runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(unknown).build());
    node.daemon
        .runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(unknown).build());
    node.daemon
        .runtime()
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(unknown).build());
    node.daemon
        .runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(unknown).build());
    assertThat(node.listing()).isEqualTo(before);
  }

  @Test
  void anAmbiguousPrefixNamesNoObject() {
    // 17 ids of 16 possible first hex digits: two of them share a prefix.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      ids.add(node.create(pod, "bad", node.container("amb-" + i, "sleep", "3600")));
    }
    try {
      String prefix = sharedPrefix(ids);
      refused(
          Status.Code.INVALID_ARGUMENT,
          "ambiguous",
          () ->
              node.daemon
                  .runtime()
                  .removeContainer(
                      RemoveContainerRequest.newBuilder().setContainerId(prefix).build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "ambiguous",
          () ->
              node.daemon
                  .runtime()
                  .stopContainer(StopContainerRequest.newBuilder().setContainerId(prefix).build()));
    } finally {
      ids.forEach(node::removeContainer);
    }
  }

  @Test
  void containerConfigsThatEscapeOrLieAreRefused() {
    refused(
        Status.Code.INVALID_ARGUMENT,
        "escapes",
        () -> node.create(pod, "bad", node.container("esc", "true").setLogPath("../../etc/x")));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "escapes",
        () -> node.create(pod, "bad", node.container("abs", "true").setLogPath("/etc/x.log")));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "must be an absolute path",
        () ->
            node.create(
                pod,
                "bad",
                node.container("mnt", "true")
                    .addMounts(
                        Mount.newBuilder().setHostPath("no/such/dir").setContainerPath("/data"))));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "negative",
        () ->
            node.create(
                pod,
                "bad",
                node.container("neg", "true")
                    .setLinux(
                        LinuxContainerConfig.newBuilder()
                            .setResources(LinuxContainerResources.newBuilder().setCpuShares(-2)))));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "negative",
        () ->
            node.create(
                pod,
                "bad",
                node.container("negmem", "true")
                    .setLinux(
                        LinuxContainerConfig.newBuilder()
                            .setResources(
                                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-1)))));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "negative",
        () ->
            node.daemon
                .runtime()
                .updateContainerResources(
                    UpdateContainerResourcesRequest.newBuilder()
                        .setContainerId(running)
                        .setLinux(LinuxContainerResources.newBuilder().setCpuQuota(-5))
                        .build()));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "metadata.name",
        () -> node.create(pod, "bad", ContainerConfig.newBuilder().setImage(image())));
  }

  @Test
  void malformedImageReferencesAreInvalidArguments() {
    for (String reference : List.of("UPPER/Case:1", "a::b", "repo@sha256:xyz", " ", "a b")) {
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.daemon
                  .images()
                  .pullImage(
                      PullImageRequest.newBuilder()
                          .setImage(ImageSpec.newBuilder().setImage(reference))
                          .build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          () ->
              node.create(
                  pod,
                  "bad",
                  node.container("img", "true")
                      .setImage(ImageSpec.newBuilder().setImage(reference))));
    }
    refused(
        Status.Code.INVALID_ARGUMENT,
        () ->
            node.daemon
                .images()
                .imageStatus(
                    ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage("a::b"))
                        .build()));
    refused(
        Status.Code.INVALID_ARGUMENT,
        () ->
            node.daemon
                .images()
                .removeImage(
                    RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage("a::b"))
                        .build()));
  }

  @Test
  void absurdSizesAreRefusedCleanly() {
    // 100 MiB of environment: over the server's 16 MiB message limit, refused before it is read.
    String huge = "x".repeat(100 << 20);
    refused(
        Status.Code.RESOURCE_EXHAUSTED,
        "exceeds maximum size",
        () ->
            node.create(
                pod,
                "bad",
                node.container("env", "true")
                    .addEnvs(KeyValue.newBuilder().setKey("HUGE").setValue(huge))));
    // 100k labels fit in a message, but would make every List answer huge: refused by size.
    ContainerConfig.Builder labelled = node.container("labels", "true");
    for (int i = 0; i < 100_000; i++) {
      labelled.putLabels("label-" + i, "value-" + i);
    }
    refused(Status.Code.INVALID_ARGUMENT, "labels", () -> node.create(pod, "bad", labelled));
    var podConfig = node.pod("labelled").toBuilder();
    for (int i = 0; i < 100_000; i++) {
      podConfig.putAnnotations("annotation-" + i, "value-" + i);
    }
    refused(
        Status.Code.INVALID_ARGUMENT,
        "annotations",
        () ->
            node.daemon
                .runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig).build()));
    // The daemon is still fine.
    assertThat(node.status(running).getState())
        .isEqualTo(io.caisson.cri.v1.ContainerState.CONTAINER_RUNNING);
  }

  @Test
  void unknownRuntimeHandlerIsRefused() {
    refused(
        Status.Code.INVALID_ARGUMENT,
        "runtime handler",
        () ->
            node.daemon
                .runtime()
                .runPodSandbox(
                    RunPodSandboxRequest.newBuilder()
                        .setConfig(node.pod("handler"))
                        .setRuntimeHandler("kata-not-here")
                        .build()));
  }

  /** A systemd slice as the pod's cgroup parent: Caisson places cgroups the cgroupfs way. */
  @Test
  void aSystemdSliceAsCgroupParentIsRefused() {
    refused(
        Status.Code.INVALID_ARGUMENT,
        "systemd slice",
        () ->
            node.daemon
                .runtime()
                .runPodSandbox(
                    RunPodSandboxRequest.newBuilder()
                        .setConfig(
                            node.pod("sliced").toBuilder()
                                .setLinux(
                                    io.caisson.cri.v1.LinuxPodSandboxConfig.newBuilder()
                                        .setCgroupParent("kubepods-besteffort-pod1234.slice")))
                        .build()));
  }

  @Test
  void userNamespacesAPodCannotHaveAreRefused() {
    IDMapping root =
        IDMapping.newBuilder().setContainerId(0).setHostId(100000).setLength(65536).build();
    IDMapping other = root.toBuilder().setHostId(300000).build();
    IDMapping noRoot = root.toBuilder().setContainerId(1).build();
    IDMapping hostRoot = root.toBuilder().setHostId(0).build();
    UserNamespace.Builder own = UserNamespace.newBuilder().setMode(NamespaceMode.POD);
    List<NamespaceOption> asked =
        List.of(
            options(own.clone().addUids(root).addUids(other).addGids(root)),
            options(own.clone().addUids(noRoot).addGids(noRoot)),
            options(own.clone().addUids(hostRoot).addGids(hostRoot)),
            options(own.clone().addUids(root)),
            options(own.clone().addUids(root).addGids(root)).toBuilder()
                .setNetwork(NamespaceMode.NODE)
                .build(),
            options(UserNamespace.newBuilder().setMode(NamespaceMode.CONTAINER)),
            options(UserNamespace.newBuilder().setMode(NamespaceMode.TARGET)),
            options(UserNamespace.newBuilder().setMode(NamespaceMode.NODE).addUids(root)));
    for (NamespaceOption options : asked) {
      PodSandboxConfig.Builder podConfig = node.pod("userns").toBuilder();
      podConfig.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(options);
      refused(
          Status.Code.INVALID_ARGUMENT,
          "user namespace",
          () ->
              node.daemon
                  .runtime()
                  .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig).build()));
    }
    // A container may not ask for a user namespace its pod does not have.
    ContainerConfig.Builder container = node.container("userns", "true");
    container
        .getLinuxBuilder()
        .getSecurityContextBuilder()
        .setNamespaceOptions(options(own.clone().addUids(root).addGids(root)));
    refused(
        Status.Code.INVALID_ARGUMENT, "user namespace", () -> node.create(pod, "bad", container));
  }

  private static NamespaceOption options(UserNamespace.Builder userns) {
    return NamespaceOption.newBuilder().setUsernsOptions(userns).build();
  }

  @Test
  void aStoppedPodGetsNoNewContainers() {
    String stopped = node.runPod("stopped");
    node.daemon
        .runtime()
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(stopped).build());
    try {
      refused(
          Status.Code.FAILED_PRECONDITION,
          "not ready",
          () -> node.create(stopped, "stopped", node.container("late", "true")));
    } finally {
      node.removePod(stopped);
    }
  }

  @Test
  void execWithoutACommandIsInvalid() {
    refused(
        Status.Code.INVALID_ARGUMENT,
        () ->
            node.daemon
                .runtime()
                .execSync(ExecSyncRequest.newBuilder().setContainerId(running).build()));
    refused(
        Status.Code.INVALID_ARGUMENT,
        () ->
            node.daemon
                .runtime()
                .exec(ExecRequest.newBuilder().setContainerId(running).setStdout(true).build()));
  }

  private static ImageSpec image() {
    return ImageSpec.newBuilder().setImage(node.image).build();
  }

  private static String sharedPrefix(List<String> ids) {
    for (int i = 0; i < ids.size(); i++) {
      for (int j = i + 1; j < ids.size(); j++) {
        if (ids.get(i).charAt(0) == ids.get(j).charAt(0)) {
          return ids.get(i).substring(0, 1);
        }
      }
    }
    throw new AssertionError("no shared prefix among " + ids);
  }

  private static void refused(Status.Code code, ThrowingCallable call) {
    refused(code, "", call);
  }

  /** The call fails with {@code code}, a message naming the problem, and changes nothing. */
  private static void refused(Status.Code code, String mentions, ThrowingCallable call) {
    String before = node.listing();
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isNotBlank().contains(mentions);
              assertThat(e.getStatus().getDescription()).doesNotContain("\tat ");
            });
    assertThat(node.listing()).as("state after a refused call").isEqualTo(before);
  }

  @SuppressWarnings("unused")
  private static ByteString bytes(int n) {
    return ByteString.copyFrom(new byte[n]);
  }
}
