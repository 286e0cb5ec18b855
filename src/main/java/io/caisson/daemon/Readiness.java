package io.caisson.daemon;

import io.caisson.config.CaissonConfig;
import io.caisson.oci.Conmon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Answers kubelet's two questions, honestly: can this node run containers (RuntimeReady), and can
 * it network pods (NetworkReady). A feature is advertised only once it is built and works here.
 */
public final class Readiness {

  /** Why a condition is false: a CamelCase reason and a sentence for the operator. */
  public record NotReady(String reason, String message) {}

  /** What a runtime handler supports, as Status reports per handler. */
  public record HandlerFeatures(boolean recursiveReadOnlyMounts, boolean userNamespaces) {}

  private final CaissonConfig config;
  private final Supplier<Optional<NotReady>> network;
  private volatile Function<String, HandlerFeatures> handlerFeatures =
      handler -> new HandlerFeatures(false, false);
  private volatile boolean supplementalGroupsPolicy;

  public Readiness(CaissonConfig config, Supplier<Optional<NotReady>> network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Why the node cannot run pods, if it cannot: the default handler's runtime or the container
   * monitor is missing. Another handler's missing runtime fails only the pods that ask for it (as
   * containerd does): a RuntimeClass for a runtime not installed yet must not stop the node.
   */
  public Optional<NotReady> runtimeNotReady() {
    Path binary = config.runtime("").path();
    if (!Files.isExecutable(binary)) {
      return Optional.of(
          new NotReady(
              "OCIRuntimeMissing",
              "the default runtime handler '%s': %s is not an executable file"
                  .formatted(config.defaultRuntime(), binary)));
    }
    Path monitor = Conmon.effectiveBinary(config.monitor(), config.conmon());
    if (!Files.isExecutable(monitor)) {
      return Optional.of(
          new NotReady(
              "MonitorMissing", "the container monitor " + monitor + " is not an executable file"));
    }
    return Optional.empty();
  }

  public Optional<NotReady> networkNotReady() {
    return network.get();
  }

  public HandlerFeatures handlerFeatures(String handler) {
    return handlerFeatures.apply(handler);
  }

  public boolean supplementalGroupsPolicy() {
    return supplementalGroupsPolicy;
  }

  /** Called by the container code once it can honour these features. */
  public void advertise(Function<String, HandlerFeatures> features, boolean supplementalGroups) {
    this.handlerFeatures = features;
    this.supplementalGroupsPolicy = supplementalGroups;
  }
}
