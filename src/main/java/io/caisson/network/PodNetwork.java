package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pod sandbox networking: attach a pinned network namespace to the configured CNI network, check
 * it, detach it. Every pod gets {@code lo} up (kubelet and its tests expect it, and the network
 * config need not include the loopback plugin): whoever creates the namespace calls {@link
 * #loopbackUp()} inside it, which costs neither a process per pod (the loopback plugin) nor a
 * thread to enter it; then attach puts the configured network on {@code eth0}. Detach is idempotent
 * and works from the cache after a daemon restart.
 *
 * <p>Detach before releasing the network namespace: plugins clean up rules (the bridge plugin's
 * masquerade rules) by looking inside it.
 */
public final class PodNetwork {
  public static final String POD_INTERFACE = "eth0";
  public static final String LOOPBACK_INTERFACE = "lo";

  private final CniConfDir confDir;
  private final CniRunner runner;

  public PodNetwork(CniConfDir confDir, CniRunner runner) {
    this.confDir = confDir;
    this.runner = runner;
  }

  /** Wiring from the daemon's configuration. */
  public static PodNetwork create(
      Path confDir, List<Path> binDirs, Path stateDir, Duration pluginTimeout) {
    CniPlugins plugins = new CniPlugins(binDirs);
    return new PodNetwork(
        new CniConfDir(confDir, plugins), new CniRunner(plugins, stateDir, pluginTimeout));
  }

  /** Why NetworkReady is false, or empty when pods can be networked. */
  public Optional<String> notReadyReason() {
    return confDir.notReadyReason();
  }

  /**
   * Attaches the pod: {@link #prepare} then {@link #attach(CniRunner.PendingAdd)}. On failure
   * nothing stays behind (no IP allocation, veth or port rule) and the exception carries the
   * plugin's message.
   *
   * @throws CaissonException FAILED_PRECONDITION when there is no usable network config
   */
  public NetworkStatus attach(PodNetworkRequest request) {
    return attach(prepare(request));
  }

  /**
   * Everything of an attach but the plugins: picks the network, refuses a pod already attached,
   * undoes an attach a crash cut short, and flushes the intent a restart would undo. It does not
   * touch the namespace, which need not exist yet; follow it with {@link
   * #attach(CniRunner.PendingAdd)} or {@link #abandon}.
   *
   * @throws CaissonException FAILED_PRECONDITION when there is no usable network config,
   *     ALREADY_EXISTS when the pod is attached already
   */
  public CniRunner.PendingAdd prepare(PodNetworkRequest request) {
    CniConfig network =
        confDir
            .current()
            .orElseThrow(
                () ->
                    CaissonException.precondition(
                        "pod %s: cannot set up its network: %s",
                        request.podId(), confDir.notReadyReason().orElse("no CNI network config")));
    // The runner refuses a pod already on eth0 and undoes an eth0 attach the daemon died in; a
    // loopback attach cached by an earlier version that died in it is undone here.
    runner.del(request.podId(), LOOPBACK_INTERFACE);
    return runner.prepareAdd(
        network,
        new CniAttachment(
            request.podId(),
            POD_INTERFACE,
            request.netns().toString(),
            request.cniArgs(),
            capabilityArgs(request)));
  }

  /**
   * Runs the plugins of a prepared attach in the pod's namespace, which must exist by now. On
   * failure nothing stays behind and the exception carries the plugin's message.
   */
  public NetworkStatus attach(CniRunner.PendingAdd pending) {
    CniResult result = runner.add(pending);
    return new NetworkStatus(pending.network().name(), result.podIps(), result);
  }

  /** Drops a prepared attach whose plugins never ran. */
  public void abandon(CniRunner.PendingAdd pending) {
    runner.abandon(pending);
  }

  /**
   * Brings {@code lo} up in the calling thread's network namespace: call it on the thread that has
   * just created the pod's namespace. Nothing to undo: {@code lo} goes away with the namespace.
   */
  public static void loopbackUp() throws SyscallException {
    Syscalls.setInterfaceUp(LOOPBACK_INTERFACE);
  }

  /**
   * Detaches the pod from every network it was attached to, in reverse order. Succeeds when there
   * is nothing to detach (never attached, or already detached). The loopback interface is in the
   * list for pods attached by earlier versions, which ran the loopback plugin.
   */
  public void detach(String podId) {
    List<RuntimeException> failures = new ArrayList<>();
    for (String ifName : List.of(POD_INTERFACE, LOOPBACK_INTERFACE)) {
      try {
        runner.del(podId, ifName);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      for (RuntimeException other : failures.subList(1, failures.size())) {
        first.addSuppressed(other);
      }
      throw first;
    }
  }

  /**
   * Asks the plugins whether the pod's network is still as ADD left it.
   *
   * @return false when the network's spec version or config does not allow CHECK
   * @throws CaissonException NOT_FOUND when the pod is not attached; the plugin's complaint when
   *     the network is broken
   */
  public boolean check(String podId) {
    return runner.check(podId, POD_INTERFACE);
  }

  /**
   * Every pod the cache holds something for: attached ones, and attaches a crash cut short.
   * Recovery detaches those it has no pod for.
   */
  public List<String> cachedPods() {
    return runner.cachedContainerIds();
  }

  /** The pod's network as ADD left it, from the cache (so also after a daemon restart). */
  public Optional<NetworkStatus> status(String podId) {
    return runner
        .attached(podId, POD_INTERFACE)
        .map(a -> new NetworkStatus(a.network(), a.result().podIps(), a.result()));
  }

  /** The runtimeConfig values plugins may declare capabilities for. */
  static JsonObject capabilityArgs(PodNetworkRequest request) {
    JsonObject args = new JsonObject();
    JsonArray ports = new JsonArray();
    for (PortMapping mapping : request.portMappings()) {
      if (!mapping.published()) {
        continue;
      }
      JsonObject port = ports.addObject();
      port.put("hostPort", mapping.hostPort());
      port.put("containerPort", mapping.containerPort());
      port.put("protocol", mapping.protocol().cniName());
      if (!mapping.hostIp().isEmpty()) {
        port.put("hostIP", mapping.hostIp());
      }
    }
    if (!ports.isEmpty()) {
      args.set("portMappings", ports);
    }
    request
        .bandwidth()
        .ifPresent(
            b -> {
              JsonObject bw = args.putObject("bandwidth");
              bw.put("ingressRate", b.ingressRate());
              bw.put("ingressBurst", b.ingressBurst());
              bw.put("egressRate", b.egressRate());
              bw.put("egressBurst", b.egressBurst());
            });
    // As containerd passes them: plugins that declare these read the pod's own settings.
    if (!request.annotations().isEmpty()) {
      JsonObject annotations = args.putObject("io.kubernetes.cri.pod-annotations");
      request.annotations().forEach(annotations::put);
    }
    request
        .dns()
        .ifPresent(
            dns -> {
              JsonObject d = args.putObject("dns");
              dns.servers().forEach(d.putArray("servers")::add);
              dns.searches().forEach(d.putArray("searches")::add);
              dns.options().forEach(d.putArray("options")::add);
            });
    return args;
  }
}
