package io.caisson.network;

import io.caisson.cri.v1.DNSConfig;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.sandbox.SandboxNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** Pod networking for the sandbox lifecycle: CRI's pod config translated to CNI and pod files. */
public final class CniSandboxNetwork implements SandboxNetwork {
  private final PodNetwork network;
  private final PodFiles files;

  public CniSandboxNetwork(PodNetwork network, PodFiles files) {
    this.network = network;
    this.files = files;
  }

  @Override
  public PendingAttach prepare(String sandboxId, PodSandboxConfig config, Path netns) {
    return new Pending(network, network.prepare(request(sandboxId, config, netns)));
  }

  private static PodNetworkRequest request(String sandboxId, PodSandboxConfig config, Path netns) {
    PodSandboxMetadata metadata = config.getMetadata();
    List<PortMapping> ports = new ArrayList<>();
    for (io.caisson.cri.v1.PortMapping port : config.getPortMappingsList()) {
      ports.add(
          new PortMapping(
              switch (port.getProtocol()) {
                case UDP -> PortMapping.Protocol.UDP;
                case SCTP -> PortMapping.Protocol.SCTP;
                default -> PortMapping.Protocol.TCP;
              },
              port.getContainerPort(),
              port.getHostPort(),
              port.getHostIp()));
    }
    return new PodNetworkRequest(
        sandboxId,
        metadata.getName(),
        metadata.getNamespace(),
        metadata.getUid(),
        netns,
        ports,
        // kubelet conveys traffic shaping only as annotations; networks whose chain has the
        // bandwidth plugin (capability "bandwidth") apply it.
        Bandwidth.fromAnnotations(config.getAnnotationsMap()),
        config.getAnnotationsMap(),
        config.hasDnsConfig()
            ? Optional.of(
                new PodNetworkRequest.Dns(
                    config.getDnsConfig().getServersList(),
                    config.getDnsConfig().getSearchesList(),
                    config.getDnsConfig().getOptionsList()))
            : Optional.empty());
  }

  /** A prepared CNI attach; {@code started} tells abandon whether the plugins were reached. */
  private static final class Pending implements PendingAttach {
    private final PodNetwork network;
    private final CniRunner.PendingAdd add;
    private final AtomicBoolean started = new AtomicBoolean();

    Pending(PodNetwork network, CniRunner.PendingAdd add) {
      this.network = network;
      this.add = add;
    }

    @Override
    public PodIps attach() {
      if (!started.compareAndSet(false, true)) {
        throw new IllegalStateException(
            "the attach of "
                + add.attachment().containerId()
                + " was started or abandoned already");
      }
      List<String> ips = network.attach(add).ips();
      return ips.isEmpty()
          ? new PodIps("", List.of())
          : new PodIps(ips.getFirst(), List.copyOf(ips.subList(1, ips.size())));
    }

    @Override
    public void abandon() {
      if (started.compareAndSet(false, true)) {
        network.abandon(add);
      }
    }
  }

  @Override
  public void detach(String sandboxId) {
    network.detach(sandboxId);
  }

  @Override
  public List<String> attachedSandboxes() {
    return network.cachedPods();
  }

  @Override
  public void writePodFiles(
      Path dir, PodSandboxConfig config, String hostname, List<String> podIps) {
    boolean hostNetwork =
        config.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()
            == NamespaceMode.NODE;
    Optional<DnsConfig> dns = Optional.empty();
    if (config.hasDnsConfig()) {
      DNSConfig given = config.getDnsConfig();
      dns =
          Optional.of(
              new DnsConfig(
                  given.getServersList(), given.getSearchesList(), given.getOptionsList()));
    }
    files.write(dir, new PodFiles.Spec(hostname, dns, podIps, hostNetwork));
  }
}
