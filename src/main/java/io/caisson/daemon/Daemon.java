package io.caisson.daemon;

import io.caisson.common.log.LogLevels;
import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigChange;
import io.caisson.config.HostPort;
import io.caisson.config.InvalidConfigException;
import io.caisson.container.ContainerManager;
import io.caisson.container.ContainerStreams;
import io.caisson.container.DefaultCgroupParent;
import io.caisson.container.ExitWatcher;
import io.caisson.cri.CallLogging;
import io.caisson.cri.ContainerEvents;
import io.caisson.cri.ContainerRpcs;
import io.caisson.cri.ImageApi;
import io.caisson.cri.ImageRpcs;
import io.caisson.cri.PodMetricsRpcs;
import io.caisson.cri.RuntimeApi;
import io.caisson.cri.RuntimeInfoRpcs;
import io.caisson.cri.SandboxRpcs;
import io.caisson.cri.StatsRpcs;
import io.caisson.cri.StreamingRpcs;
import io.caisson.events.EventBus;
import io.caisson.image.ImageService;
import io.caisson.image.PinnedImages;
import io.caisson.image.Platform;
import io.caisson.image.SignaturePolicyFile;
import io.caisson.linux.SignalDispositions;
import io.caisson.linux.SyscallException;
import io.caisson.metrics.DaemonMetrics;
import io.caisson.metrics.MetricRegistry;
import io.caisson.metrics.MetricsServer;
import io.caisson.metrics.RpcMetrics;
import io.caisson.network.CniSandboxNetwork;
import io.caisson.network.PodFiles;
import io.caisson.network.PodNetwork;
import io.caisson.oci.Conmon;
import io.caisson.oci.DirectExec;
import io.caisson.oci.OciRuntimes;
import io.caisson.oci.Runc;
import io.caisson.sandbox.PodPortForward;
import io.caisson.sandbox.SandboxManager;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.MountSource;
import io.caisson.storage.DiskUsage;
import io.caisson.streaming.Backends;
import io.caisson.streaming.StreamingServer;
import io.caisson.streaming.TokenRegistry;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The running daemon: the gRPC server on the unix socket and the services behind it. Stopping it
 * stops serving; containers keep running (conmon holds them, not this process).
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final long DRAIN_SECONDS = 10;
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
  private static final java.time.Duration CNI_PLUGIN_TIMEOUT = java.time.Duration.ofSeconds(60);

  /** Events a GetContainerEvents client may leave unread before its stream is cut off. */
  private static final int EVENT_BUFFER = 1024;

  /** How often exits are looked for even without an inotify event. */
  private static final java.time.Duration EXIT_SWEEP = java.time.Duration.ofSeconds(5);

  /** The config it runs with; SIGHUP replaces it with one whose live keys are reloaded. */
  private volatile CaissonConfig config;

  private final ConfigSource configSource;
  private SandboxManager sandboxes;
  private ContainerManager containers;
  private volatile boolean serving;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private EventLoopGroup eventLoops;
  private ExecutorService rpcExecutor;
  private Server server;
  private ImageService images;
  private StreamingServer streamingServer;
  private ContainerEvents events;
  private ExitWatcher exitWatcher;
  private HeapTrimmer heapTrimmer;
  private FilePageTrimmer filePageTrimmer;
  private MetricsServer metricsServer;
  private SocketGuard.Bound boundSocket;

  /** Reads the config again as it was read at start: the file, its drop-ins, the flags. */
  @FunctionalInterface
  public interface ConfigSource {
    CaissonConfig load() throws InvalidConfigException;
  }

  /**
   * @param config the config, as {@code configSource} gave it at start
   * @param configSource what SIGHUP reads the config from again
   */
  public Daemon(CaissonConfig config, ConfigSource configSource) {
    this.config = config;
    this.configSource = configSource;
  }

  /** Serves until SIGTERM or SIGINT, then drains and returns the process exit code. */
  public int runUntilSignalled() throws Exception {
    long started = System.nanoTime();
    // Signals ignored from the start (nohup, a shell's background job) would stay ignored.
    for (int signal :
        new int[] {
          SignalDispositions.SIGTERM, SignalDispositions.SIGINT, SignalDispositions.SIGHUP
        }) {
      try {
        if (SignalDispositions.unignore(signal)) {
          LOG.info("signal {} was ignored when the daemon started: taken over", signal);
        }
      } catch (SyscallException e) {
        LOG.warn("cannot take over signal {}: {}", signal, e.getMessage());
      }
    }
    // Before the socket exists: a SIGTERM as soon as it appears must drain, not kill the JVM.
    Signal.handle(new Signal("TERM"), signal -> stopRequested.countDown());
    Signal.handle(new Signal("INT"), signal -> stopRequested.countDown());
    // The JVM's own SIGHUP handling shuts it down; here it means "read the config again", as it
    // does for CRI-O (systemctl reload).
    Signal.handle(
        new Signal("HUP"), signal -> Thread.ofVirtual().name("config-reload").start(this::reload));
    ServiceNotifier serviceManager = ServiceNotifier.fromEnvironment(System.getenv());
    try {
      start();
    } catch (Exception | Error e) {
      // What start-up made goes (threads that would keep the process alive, a bound socket),
      // and the caller exits non-zero with the cause.
      try {
        close();
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    LOG.info(
        "caisson serving CRI on {} (ready in {} ms)",
        config.socket(),
        (System.nanoTime() - started) / 1_000_000);
    serving = true;
    serviceManager.ready("serving CRI on " + config.socket());
    stopRequested.await();
    LOG.info("shutting down: no new calls, draining in-flight ones");
    serviceManager.stopping("draining in-flight calls");
    close();
    return 0;
  }

  /**
   * SIGHUP: reads the config again and takes up the keys a running daemon can ({@link
   * ConfigChange#LIVE}: log level, pinned images, trust policy, the node's container and pod
   * defaults) for what is created from now on. The others are logged as waiting for a restart. A
   * config that does not load or apply changes nothing, and the daemon goes on with the one it has.
   */
  synchronized void reload() {
    if (!serving) {
      LOG.warn("SIGHUP before the daemon serves: the configuration is not read again");
      return;
    }
    ConfigChange change;
    try {
      change = ConfigChange.between(config, configSource.load());
    } catch (InvalidConfigException e) {
      LOG.error("configuration not reloaded, the running one stays: {}", e.getMessage());
      return;
    }
    CaissonConfig running = change.running();
    try {
      // First: the one that reads files (a seccomp profile) and may fail.
      containers.reconfigure(running);
    } catch (RuntimeException e) {
      LOG.error("configuration not reloaded, the running one stays: {}", e.getMessage());
      return;
    }
    sandboxes.reconfigure(running);
    images.setPinnedImages(new PinnedImages(running.pinnedImages()));
    if (!Objects.equals(running.registriesD(), config.registriesD())) {
      images.setRegistriesDir(running.registriesD());
    }
    images.setDecryptionKeysDir(running.decryptionKeysPath());
    if (!Objects.equals(running.signaturePolicy(), config.signaturePolicy())) {
      images.setSignaturePolicy(new SignaturePolicyFile(running.signaturePolicy()));
    }
    LogLevels.setCaissonLevel(running.logLevel());
    config = running;
    LOG.info(
        "configuration reloaded: taken up {}; changed, applied at the next start {}",
        change.applied(),
        change.needRestart());
  }

  /** One runtime per configured handler, each under its own state root. */
  private static OciRuntimes runtimes(CaissonConfig config) {
    DirectExec.enable(config.directExec());
    if (config.directExec() && DirectExec.helper().isEmpty()) {
      LOG.warn(
          "direct_exec: the exec helper is not built (target/native/caisson-exec): every"
              + " exec goes through the runtime binary");
    }
    Map<String, Runc> byName = new LinkedHashMap<>();
    Set<String> withoutHostDevices = new HashSet<>();
    for (String name : config.runtimes().keySet()) {
      CaissonConfig.RuntimeHandler handler = config.runtime(name);
      byName.put(name, new Runc(handler.path(), handler.root()));
      if (!Files.isExecutable(handler.path()) && !name.equals(config.defaultRuntime())) {
        LOG.warn(
            "runtime handler {}: {} is not an executable file: its pods are refused until it is",
            name,
            handler.path());
      }
      if (handler.privilegedWithoutHostDevices()) {
        withoutHostDevices.add(name);
      }
    }
    return new OciRuntimes(byName, withoutHostDevices, config.defaultRuntime());
  }

  public void start() throws IOException {
    Files.createDirectories(config.root());
    Files.createDirectories(config.state());
    SocketGuard.prepare(config.socket());
    NodeState node = new NodeState(config.root());
    PodNetwork podNetwork =
        PodNetwork.create(
            config.cni().confDir(),
            config.cni().binDirs(),
            config.root().resolve("cni"),
            CNI_PLUGIN_TIMEOUT);
    Readiness readiness =
        new Readiness(
            config,
            () ->
                podNetwork
                    .notReadyReason()
                    .map(reason -> new Readiness.NotReady("NetworkPluginNotReady", reason)));
    CallLogging logging = new CallLogging();
    images =
        new ImageService(
            config.root().resolve("images"),
            config.registriesConf(),
            config.authFile(),
            config.certsDir(),
            System.getenv(),
            config.pauseImage(),
            config.pullStallTimeout(),
            config.maxConcurrentDownloads(),
            Platform.host());
    images.setRegistriesDir(config.registriesD());
    images.setDecryptionKeysDir(config.decryptionKeysPath());
    images.setSignaturePolicy(new SignaturePolicyFile(config.signaturePolicy()));
    images.setPinnedImages(new PinnedImages(config.pinnedImages()));
    OciRuntimes runtimes = runtimes(config);
    // Written down before a pod can be bound to one of them: the sweep lists their roots at every
    // start, also once a handler is dropped from the config.
    RuntimeLedger ledger = RuntimeLedger.open(config.root().resolve("runtimes.json"));
    ledger.addAll(runtimes.inUse().stream().map(RuntimeLedger.Entry::of).toList());
    sandboxes =
        new SandboxManager(config, runtimes, new CniSandboxNetwork(podNetwork, new PodFiles()));
    sandboxes.recover();
    // Found out once the socket answers (below), beside kubelet's first calls rather than before.
    UserNamespaceSupport userNamespaces =
        new UserNamespaceSupport(runtimes.standard(), config.root(), config.state());
    sandboxes.setUserNamespaces(userNamespaces);
    Path monitor =
        Conmon.binaryFor(config.monitor(), config.conmon())
            .orElseGet(
                () -> {
                  LOG.warn(
                      "monitor: Caisson's monitor is not built (target/native/caisson-monitor):"
                          + " containers are started under {}",
                      config.conmon());
                  return config.conmon();
                });
    Conmon conmon =
        new Conmon(
            monitor, config.state().resolve("exits"), config.state().resolve("sockets"), "error");
    containers = new ContainerManager(config, sandboxes, images, runtimes, conmon);
    containers.recover();
    new Leftovers(config.root(), config.state(), runtimes, conmon, ledger).sweep();
    sandboxes.setContainers(containers);
    events = new ContainerEvents(new EventBus<>(EVENT_BUFFER), sandboxes, containers);
    containers.setEvents(events);
    sandboxes.setEvents(events);
    exitWatcher = new ExitWatcher(containers, config.state().resolve("exits"), EXIT_SWEEP).start();
    heapTrimmer = HeapTrimmer.ofThisJvm().start();
    filePageTrimmer = FilePageTrimmer.ofThisProcess();
    if (filePageTrimmer != null) {
      filePageTrimmer.start();
    }
    MetricRegistry registry = new MetricRegistry();
    RpcMetrics rpcMetrics = new RpcMetrics(registry);
    DaemonMetrics.register(
        registry, images, containers, sandboxes, () -> events.bus().subscriberCount());
    // Merge and Strict supplemental-group policies are honoured. Recursive read-only mounts are
    // the runtime's `rro` option where it and the kernel have it. Pods of their own user
    // namespace where the runtime joins one and the image store can be idmapped.
    readiness.advertise(
        name -> {
          Runc runtime = runtimes.named(name);
          return runtime == null
              ? new Readiness.HandlerFeatures(false, false)
              : new Readiness.HandlerFeatures(
                  runtime.features().recursiveReadOnlyMounts(), userNamespaces.test(runtime));
        },
        true);
    ContainerStreams streams = new ContainerStreams(containers, conmon);
    HostPort streamAddress = HostPort.parse(config.streaming().address());
    streamingServer =
        new StreamingServer(
            new StreamingServer.Config(
                streamAddress.host(),
                streamAddress.port(),
                config.streaming().tlsCert(),
                config.streaming().tlsKey(),
                null,
                config.streaming().idleTimeout()),
            new Backends(streams, streams, new PodPortForward(sandboxes)),
            new TokenRegistry());
    streamingServer.start();

    eventLoops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    // The writable layers' filesystem (an operator may mount containers-storage apart from the
    // image store): ContainerStats' fs_id, the metrics' device and ImageFsInfo's container
    // filesystem all name it.
    Path layersMount = DiskUsage.mountpointOf(Files.createDirectories(containers.writableLayers()));
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(config.socket().toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(eventLoops)
            .workerEventLoopGroup(eventLoops)
            // grpc-java looks a call's method up on the server executor before the call executor
            // takes over: a direct one keeps that lookup on the event loop, and InlineCalls hands
            // every call that may block to a virtual thread.
            .directExecutor()
            .callExecutor(new InlineCalls(rpcExecutor))
            .maxInboundMessageSize(16 * 1024 * 1024)
            .addService(
                ServerInterceptors.intercept(
                    new RuntimeApi(
                        new RuntimeInfoRpcs(
                            () -> config, readiness, node, containers.checkpoints().criu()),
                        new SandboxRpcs(sandboxes, containers),
                        new ContainerRpcs(containers),
                        new StreamingRpcs(streamingServer, streams, sandboxes),
                        new StatsRpcs(containers, sandboxes, CgroupReader.host(), layersMount),
                        events,
                        new PodMetricsRpcs(
                            containers,
                            sandboxes,
                            CgroupReader.host(),
                            MountSource.of(layersMount))),
                    logging,
                    rpcMetrics))
            .addService(
                ServerInterceptors.intercept(
                    new ImageApi(
                        new ImageRpcs(images, containers.writableLayerUsage(), layersMount)),
                    logging,
                    rpcMetrics))
            .build();
    server.start();
    SocketGuard.restrict(config.socket());
    boundSocket = SocketGuard.bound(config.socket());
    // Two processes (runc features, an unshare) that no first call needs: started once the socket
    // answers, so they do not compete with start-up for the CPUs. A Status or CreateContainer that
    // comes first waits for the answer.
    userNamespaces.start();
    if (!config.metrics().address().isEmpty()) {
      HostPort metricsAddress = HostPort.parse(config.metrics().address());
      metricsServer =
          new MetricsServer(metricsAddress.host(), metricsAddress.port(), registry).start();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (events != null) {
      events.close(); // event streams never end by themselves: end them so draining can finish
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (heapTrimmer != null) {
      heapTrimmer.close();
    }
    if (filePageTrimmer != null) {
      filePageTrimmer.close();
    }
    if (exitWatcher != null) {
      try {
        exitWatcher.close();
      } catch (IOException e) {
        LOG.warn("exit watcher: {}", e.getMessage());
      }
    }
    if (server != null) {
      server.shutdown();
      if (!server.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn("in-flight calls still running after {} s; cancelling them", DRAIN_SECONDS);
        server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    }
    if (eventLoops != null) {
      eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(2, TimeUnit.SECONDS);
    }
    if (streamingServer != null) {
      streamingServer.close();
    }
    if (images != null) {
      images.close();
    }
    if (rpcExecutor != null) {
      rpcExecutor.shutdownNow();
    }
    removeDefaultCgroupParent();
    try {
      SocketGuard.removeIfOurs(config.socket(), boundSocket);
    } catch (IOException e) {
      LOG.warn("could not remove socket {}: {}", config.socket(), e.getMessage());
    }
  }

  /** After the last call: no create of ours can be between runc's mkdir of parent and child. */
  private static void removeDefaultCgroupParent() {
    try {
      int removed = DefaultCgroupParent.removeIfEmpty(CGROUP_ROOT);
      if (removed > 0) {
        LOG.debug("removed the empty default cgroup parent from {} hierarchies", removed);
      }
    } catch (IOException e) {
      LOG.warn("could not remove the default cgroup parent: {}", e.getMessage());
    }
  }
}
