package io.caisson.cri;

import io.caisson.BuildInfo;
import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigJson;
import io.caisson.cri.v1.CgroupDriver;
import io.caisson.cri.v1.LinuxRuntimeConfiguration;
import io.caisson.cri.v1.RuntimeCondition;
import io.caisson.cri.v1.RuntimeConfigResponse;
import io.caisson.cri.v1.RuntimeFeatures;
import io.caisson.cri.v1.RuntimeHandler;
import io.caisson.cri.v1.RuntimeHandlerFeatures;
import io.caisson.cri.v1.RuntimeStatus;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StatusResponse;
import io.caisson.cri.v1.UpdateRuntimeConfigRequest;
import io.caisson.cri.v1.UpdateRuntimeConfigResponse;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.caisson.daemon.NodeState;
import io.caisson.daemon.Readiness;
import io.caisson.network.PodCidrs;
import io.caisson.oci.Criu;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Version, Status, RuntimeConfig and UpdateRuntimeConfig: what the runtime is and can do. */
public final class RuntimeInfoRpcs {
  /** The kubelet-facing API version string; CRI clients expect "0.1.0" here. */
  private static final String KUBELET_API_VERSION = "0.1.0";

  /** The config the daemon runs with: it changes when the daemon reloads it. */
  private final Supplier<CaissonConfig> config;

  private final Readiness readiness;
  private final NodeState node;
  private final Criu criu;

  /**
   * @param criu CRIU, whose usability (for CheckpointContainer) the verbose status reports
   */
  public RuntimeInfoRpcs(
      Supplier<CaissonConfig> config, Readiness readiness, NodeState node, Criu criu) {
    this.config = config;
    this.readiness = readiness;
    this.node = node;
    this.criu = criu;
  }

  VersionResponse version(VersionRequest request) {
    return VersionResponse.newBuilder()
        .setVersion(KUBELET_API_VERSION)
        .setRuntimeName("caisson")
        .setRuntimeVersion(BuildInfo.version())
        .setRuntimeApiVersion("v1")
        .build();
  }

  StatusResponse status(StatusRequest request) {
    CaissonConfig current = config.get(); // one config for the whole answer, reload or not
    RuntimeStatus status =
        RuntimeStatus.newBuilder()
            .addConditions(condition("RuntimeReady", readiness.runtimeNotReady()))
            .addConditions(condition("NetworkReady", readiness.networkNotReady()))
            .build();
    StatusResponse.Builder response = StatusResponse.newBuilder().setStatus(status);
    for (String handler : current.runtimes().keySet()) {
      RuntimeHandler.Builder entry =
          RuntimeHandler.newBuilder()
              .setFeatures(features(readiness.handlerFeatures(handler)))
              .setName(handler);
      response.addRuntimeHandlers(entry);
      if (handler.equals(current.defaultRuntime())) {
        // The default handler is also reachable by the empty name kubelet sends.
        response.addRuntimeHandlers(entry.clone().setName(""));
      }
    }
    response.setFeatures(
        RuntimeFeatures.newBuilder()
            .setSupplementalGroupsPolicy(readiness.supplementalGroupsPolicy()));
    if (request.getVerbose()) {
      response.putAllInfo(verboseInfo(current));
    }
    return response.build();
  }

  /** The only driver Caisson places containers with; kubelet follows what this says. */
  RuntimeConfigResponse runtimeConfig() {
    return RuntimeConfigResponse.newBuilder()
        .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(CgroupDriver.CGROUPFS))
        .build();
  }

  UpdateRuntimeConfigResponse updateRuntimeConfig(UpdateRuntimeConfigRequest request)
      throws IOException {
    String given = request.getRuntimeConfig().getNetworkConfig().getPodCidr();
    if (!given.isEmpty()) {
      String cidr = PodCidrs.canonical(given);
      if (!cidr.equals(node.podCidr())) {
        node.setPodCidr(cidr);
      }
    }
    return UpdateRuntimeConfigResponse.getDefaultInstance();
  }

  private Map<String, String> verboseInfo(CaissonConfig current) {
    return Map.of(
        "config",
        ConfigJson.json(current),
        "podCIDR",
        ConfigJson.json(node.podCidr()),
        "checkpointRestore",
        ConfigJson.json(
            criu.unusableReason().map(why -> "unavailable: " + why).orElse("available")));
  }

  private static RuntimeCondition condition(String type, Optional<Readiness.NotReady> notReady) {
    RuntimeCondition.Builder condition = RuntimeCondition.newBuilder().setType(type);
    notReady.ifPresentOrElse(
        reason ->
            condition.setStatus(false).setReason(reason.reason()).setMessage(reason.message()),
        () -> condition.setStatus(true));
    return condition.build();
  }

  private static RuntimeHandlerFeatures features(Readiness.HandlerFeatures features) {
    return RuntimeHandlerFeatures.newBuilder()
        .setRecursiveReadOnlyMounts(features.recursiveReadOnlyMounts())
        .setUserNamespaces(features.userNamespaces())
        .build();
  }
}
