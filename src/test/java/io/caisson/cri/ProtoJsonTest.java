package io.caisson.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.caisson.cri.v1.Capability;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.HugepageLimit;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.LinuxContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.LinuxContainerSecurityContext;
import io.caisson.cri.v1.LinuxPodSandboxConfig;
import io.caisson.cri.v1.LinuxSandboxSecurityContext;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.cri.v1.PortMapping;
import io.caisson.cri.v1.Protocol;
import io.caisson.cri.v1.SecurityProfile;
import io.caisson.json.Json;
import io.caisson.json.JsonRecords;
import org.junit.jupiter.api.Test;

/** ProtoJson against protobuf's own JsonFormat printer, on configs that use every kind of field. */
class ProtoJsonTest {

  @Test
  void containerConfigPrintsAsJsonFormatDoes() throws Exception {
    ContainerConfig config =
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName("app").setAttempt(3))
            .setImage(ImageSpec.newBuilder().setImage("busybox").putAnnotations("a", "b"))
            .addCommand("sh")
            .addArgs("-c")
            .addArgs("echo \"quoted\" ünïcode")
            .addEnvs(KeyValue.newBuilder().setKey("K").setValue("V"))
            .addMounts(
                Mount.newBuilder()
                    .setContainerPath("/data")
                    .setHostPath("/var/data")
                    .setReadonly(true)
                    .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
            .putLabels("io.kubernetes.pod.name", "web")
            .putAnnotations("empty", "")
            .setStdin(true)
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setResources(
                        LinuxContainerResources.newBuilder()
                            .setCpuQuota(-1)
                            .setCpuShares(1024)
                            .setMemoryLimitInBytes(Long.MAX_VALUE)
                            .addHugepageLimits(
                                HugepageLimit.newBuilder().setPageSize("2MB").setLimit(-1L))
                            .putUnified("memory.high", "100M"))
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setCapabilities(
                                Capability.newBuilder().addAddCapabilities("NET_ADMIN"))
                            .setRunAsUser(Int64Value.newBuilder().setValue(0))
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                            .setNamespaceOptions(
                                NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
            .build();
    assertSameAsJsonFormat(config);
  }

  @Test
  void podConfigPrintsAsJsonFormatDoes() throws Exception {
    PodSandboxConfig config =
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder().setName("p").setNamespace("ns").setUid("u"))
            .setHostname("h")
            .addPortMappings(
                PortMapping.newBuilder()
                    .setProtocol(Protocol.UDP)
                    .setContainerPort(53)
                    .setHostPort(5353)
                    .setHostIp("127.0.0.1"))
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .setCgroupParent("/kubepods")
                    .putSysctls("net.ipv4.ip_forward", "1")
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .addSupplementalGroups(Long.MIN_VALUE)
                            .setPrivileged(false)))
            .build();
    assertSameAsJsonFormat(config);
  }

  @Test
  void anEmptyMessageIsAnEmptyObject() throws Exception {
    assertSameAsJsonFormat(ContainerConfig.getDefaultInstance());
    assertEquals(
        "{}", JsonRecords.STANDARD.string(ProtoJson.tree(ContainerConfig.getDefaultInstance())));
  }

  @Test
  void unknownEnumNumbersPrintAsNumbers() throws Exception {
    Mount mount = Mount.newBuilder().setContainerPath("/x").setPropagationValue(42).build();
    assertSameAsJsonFormat(mount);
  }

  @Test
  void bytesAreBase64() throws Exception {
    var request =
        io.caisson.cri.v1.ExecSyncResponse.newBuilder()
            .setStdout(ByteString.copyFrom(new byte[] {0, (byte) 0xff, 'a'}))
            .setExitCode(-2)
            .build();
    assertSameAsJsonFormat(request);
  }

  private static void assertSameAsJsonFormat(MessageOrBuilder message) throws Exception {
    assertEquals(
        Json.parse(JsonFormat.printer().print(message)),
        Json.parse(JsonRecords.STANDARD.string(ProtoJson.tree(message))));
  }
}
