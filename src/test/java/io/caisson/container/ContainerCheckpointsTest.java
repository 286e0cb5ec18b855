package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.checkpoint.CheckpointMetadata;
import io.caisson.common.CaissonException;
import io.caisson.cri.v1.CDIDevice;
import io.caisson.cri.v1.Capability;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.Device;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.SecurityProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerCheckpointsTest {
  private static final String IMAGE_ID = "sha256:" + "ab".repeat(32);

  /** What a hand-made archive may claim: everything a container could be given. */
  private static ContainerConfig archived() {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName("evil"))
        .setImage(ImageSpec.newBuilder().setImage("busybox:1"))
        .addAllCommand(List.of("sh", "-c"))
        .addArgs("sleep 1000")
        .setWorkingDir("/work")
        .addEnvs(KeyValue.newBuilder().setKey("A").setValue("1"))
        .setTty(true)
        .setStdin(true)
        .setStdinOnce(true)
        .addMounts(Mount.newBuilder().setContainerPath("/host").setHostPath("/"))
        .addDevices(
            Device.newBuilder()
                .setContainerPath("/dev/hostdisk")
                .setHostPath("/dev/vda")
                .setPermissions("rwm"))
        .addCDIDevices(CDIDevice.newBuilder().setName("vendor.com/gpu=all"))
        .putAnnotations("io.hooks.evil", "true")
        .putLabels("who", "archive")
        .setLinux(
            LinuxContainerConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder().setCpuShares(1024))
                .setSecurityContext(
                    LinuxContainerSecurityContext.newBuilder()
                        .setPrivileged(true)
                        .setCapabilities(Capability.newBuilder().addAddCapabilities("ALL"))
                        .setSeccomp(
                            SecurityProfile.newBuilder()
                                .setProfileType(SecurityProfile.ProfileType.Unconfined))
                        .setRunAsUser(Int64Value.newBuilder().setValue(0))
                        .setNamespaceOptions(
                            NamespaceOption.newBuilder().setPid(NamespaceMode.NODE))))
        .build();
  }

  private static CheckpointMetadata metadata(ContainerConfig config, String imageId) {
    return CheckpointMetadata.of("c0ffee", "busybox:1", imageId, config, 1);
  }

  /** What kubelet sends to restore: its own view of the pod's container. */
  private static ContainerConfig.Builder request() {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName("restored").setAttempt(3))
        .setImage(ImageSpec.newBuilder().setImage("/var/lib/ckpt/evil.tar"))
        .setLogPath("restored.log")
        .addMounts(Mount.newBuilder().setContainerPath("/host/").setHostPath("/srv/volume"))
        .putLabels("who", "kubelet")
        .setLinux(
            LinuxContainerConfig.newBuilder()
                .setSecurityContext(
                    LinuxContainerSecurityContext.newBuilder()
                        .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"))
                        .setSeccomp(
                            SecurityProfile.newBuilder()
                                .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                        .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                        .setNoNewPrivs(true)
                        .addMaskedPaths("/proc/kcore")
                        .setNamespaceOptions(
                            NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
  }

  @Test
  void theRequestDecidesEverythingButTheDumpedProcessesOwnSettings() {
    ContainerConfig request = request().build();
    ContainerConfig merged =
        ContainerCheckpoints.merge(metadata(archived(), IMAGE_ID), request, id -> false);

    // The request's, whole: no privilege, device, host path, hook selector or label of the archive.
    assertThat(merged.getLinux()).isEqualTo(request.getLinux());
    assertThat(merged.getMountsList()).isEqualTo(request.getMountsList());
    assertThat(merged.getDevicesList()).isEmpty();
    assertThat(merged.getCDIDevicesList()).isEmpty();
    assertThat(merged.getAnnotationsMap()).isEmpty();
    assertThat(merged.getLabelsMap()).containsExactly(java.util.Map.entry("who", "kubelet"));
    assertThat(merged.getMetadata()).isEqualTo(request.getMetadata());
    assertThat(merged.getLogPath()).isEqualTo("restored.log");
    // The archive's: what the dumped processes run with anyway, and the base of the layer diff.
    assertThat(merged.getCommandList()).containsExactly("sh", "-c");
    assertThat(merged.getArgsList()).containsExactly("sleep 1000");
    assertThat(merged.getWorkingDir()).isEqualTo("/work");
    assertThat(merged.getEnvsList()).isEqualTo(archived().getEnvsList());
    assertThat(merged.getTty()).isTrue();
    assertThat(merged.getStdin()).isTrue();
    assertThat(merged.getStdinOnce()).isTrue();
    assertThat(merged.getImage()).isEqualTo(ImageSpec.newBuilder().setImage("busybox:1").build());
  }

  @Test
  void everyCheckpointedMountPointNeedsAMountOfTheRequest() {
    // Without mounts in the request, the archive's host paths were used: never.
    assertThatThrownBy(
            () ->
                ContainerCheckpoints.merge(
                    metadata(archived(), IMAGE_ID), request().clearMounts().build(), id -> false))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("/host");
            });
    ContainerConfig noMounts = archived().toBuilder().clearMounts().build();
    assertThat(
            ContainerCheckpoints.merge(
                    metadata(noMounts, IMAGE_ID), request().clearMounts().build(), id -> false)
                .getMountsList())
        .isEmpty();
  }

  @Test
  void theBaseImageIsTheCheckpointedOneByIdWhenTheStoreHasIt() {
    ContainerConfig merged =
        ContainerCheckpoints.merge(
            metadata(archived(), IMAGE_ID), request().build(), IMAGE_ID::equals);
    // A tag that moved since names another image: the diff belongs on the one it was taken on.
    assertThat(merged.getImage().getImage()).isEqualTo(IMAGE_ID);
    assertThat(merged.getImage().getUserSpecifiedImage()).isEqualTo("busybox:1");

    for (String notUsable : List.of("sha256:unused", "", "ab".repeat(32))) {
      ContainerConfig byName =
          ContainerCheckpoints.merge(
              metadata(archived(), notUsable), request().build(), id -> true);
      assertThat(byName.getImage().getImage()).as(notUsable).isEqualTo("busybox:1");
    }
  }
}
