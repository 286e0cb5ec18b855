package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.common.EpochNanos;
import io.caisson.common.Ids;
import io.caisson.common.Undo;
import io.caisson.config.CaissonConfig;
import io.caisson.container.cdi.CdiInjection;
import io.caisson.container.cdi.CdiRegistry;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.LinuxContainerResources;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.events.Lifecycle;
import io.caisson.image.ImageRootfs;
import io.caisson.image.ImageService;
import io.caisson.json.JsonRecords;
import io.caisson.linux.CgroupKill;
import io.caisson.linux.MountTable;
import io.caisson.linux.ProcessStamp;
import io.caisson.oci.Conmon;
import io.caisson.oci.ContainerLaunch;
import io.caisson.oci.DirectExec;
import io.caisson.oci.ExitInfo;
import io.caisson.oci.OciJson;
import io.caisson.oci.OciRuntimes;
import io.caisson.oci.OciSpec;
import io.caisson.oci.Runc;
import io.caisson.oci.RuncState;
import io.caisson.sandbox.Sandbox;
import io.caisson.sandbox.SandboxManager;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.stats.CgroupReader;
import io.caisson.stats.CgroupSample;
import io.caisson.storage.IdmappedStaging;
import io.caisson.storage.OverlayRootfs;
import io.caisson.storage.WritableLayerUsage;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container lifecycle: an overlay rootfs, an OCI bundle built from the CRI config, conmon + runc
 * create, start, stop with grace period, remove. Each container has its own lock; lookups and lists
 * never take one.
 */
public final class ContainerManager implements SandboxManager.PodContainers {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerManager.class);
  private static final String RECORD = "container.json";
  private static final String CONFIG = "config.pb";
  // The ids of the images its image volumes hold, one per line; absent when it has none.
  private static final String VOLUME_IMAGES = "volume-images";
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  // What containerd reports for a container whose start failed.
  private static final int START_ERROR_EXIT_CODE = 128;
  private static final Duration EXIT_RECHECK = Duration.ofMillis(100);

  /** What a container whose end nobody saw reports, as other runtimes do. */
  static final int UNKNOWN_EXIT_CODE = 255;

  private final SandboxManager sandboxes;
  private final ImageService images;
  private final OciRuntimes runtimes;
  private final Conmon conmon;
  private final OverlayRootfs storage;
  private final WritableLayerUsage layerUsage;
  private final RecordStore store;
  private final Path bundles;
  private final IdmappedStaging staging;
  private final InfraContainers infra;
  private final ContainerCheckpoints checkpoints;
  private final VolumeSources volumeSources;
  private final ImageVolumes imageVolumes;
  private final CdiRegistry cdi;

  /** Replaced whole when the daemon reloads its config; each create reads it once. */
  private volatile NodeDefaults nodeDefaults;

  private final ContainerSignals signals;
  private final int daemonOomScoreAdj;
  private final ConcurrentHashMap<String, Container> containers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
  private volatile Lifecycle events = Lifecycle.NONE;
  // runc deletes of containers that exited on their own, two at a time: a node's worth of Jobs
  // ending together must not start a runc per container in the same instant.
  private final Semaphore releases = new Semaphore(2);

  public ContainerManager(
      CaissonConfig config,
      SandboxManager sandboxes,
      ImageService images,
      OciRuntimes runtimes,
      Conmon conmon)
      throws IOException {
    this.sandboxes = sandboxes;
    this.images = images;
    this.runtimes = runtimes;
    this.conmon = conmon;
    this.storage = new OverlayRootfs(config.root().resolve("containers-storage"));
    this.layerUsage = new WritableLayerUsage(storage);
    this.store = new RecordStore(config.root().resolve("containers"));
    this.bundles = Files.createDirectories(config.state().resolve("containers"));
    this.staging = new IdmappedStaging(config.state().resolve("idmapped"));
    this.infra =
        new InfraContainers(
            images,
            config.pauseImage(),
            conmon,
            new OverlayRootfs(config.root().resolve("infra-storage")),
            Files.createDirectories(config.state().resolve("infra")),
            staging);
    this.daemonOomScoreAdj = ownOomScoreAdj();
    this.volumeSources = new VolumeSources(staging);
    this.imageVolumes = new ImageVolumes(images, storage);
    this.cdi = new CdiRegistry(config.cdiSpecDirs());
    this.nodeDefaults = NodeDefaults.of(config);
    this.signals = new ContainerSignals(CgroupKill.of(Path.of("/sys/fs/cgroup")));
    this.checkpoints =
        new ContainerCheckpoints(
            this, conmon, io.caisson.oci.Criu.onPath(), config.root().resolve("tmp"));
  }

  /** The directory holding every container's writable layer. */
  public Path writableLayers() {
    return storage.layersDir();
  }

  /** What the writable layers take, measured at most once per 10 s per container. */
  public WritableLayerUsage writableLayerUsage() {
    return layerUsage;
  }

  /** CheckpointContainer, and the CRIU support it depends on. */
  public ContainerCheckpoints checkpoints() {
    return checkpoints;
  }

  /** Where lifecycle events go (the CRI event stream); none until set. */
  public void setEvents(Lifecycle events) {
    this.events = events;
  }

  // ---- CreateContainer ----------------------------------------------------------------------

  public String create(String sandboxId, ContainerConfig requested) throws Exception {
    // An image naming a checkpoint archive creates the checkpointed container (CRI-O does so).
    Optional<ContainerCheckpoints.RestorePlan> restore =
        checkpoints.restorePlan(requested, id -> images.status(id).isPresent());
    ContainerConfig config =
        restore.map(ContainerCheckpoints.RestorePlan::config).orElse(requested);
    Sandbox sandbox = sandboxes.find(sandboxId);
    if (!sandbox.isReady()) {
      throw CaissonException.precondition(
          "pod sandbox %s is not ready: containers can only be created in a ready pod",
          sandbox.id());
    }
    if (restore.isPresent() && sandbox.record().userns() != null) {
      // Restore reads the volumes at StartContainer, when their idmapped clones are gone.
      throw CaissonException.invalid(
          "restoring a checkpoint into pod %s, which has a user namespace of its own, is not"
              + " supported",
          sandbox.id());
    }
    // Checked here, before anything is made; VolumeSources reads them again for the clones.
    List<MountIdMappings> volumeMappings =
        config.getMountsList().stream().map(MountIdMappings::of).toList();
    if (restore.isPresent() && volumeMappings.stream().anyMatch(Objects::nonNull)) {
      // Likewise for a volume with id mappings of its own.
      throw CaissonException.invalid(
          "restoring a checkpoint with a volume that has uidMappings/gidMappings is not supported");
    }
    String name = config.getMetadata().getName();
    if (name.isEmpty()) {
      throw CaissonException.invalid("container config: metadata.name is required");
    }
    if (config.getImage().getImage().isEmpty()) {
      throw CaissonException.invalid("container config: image is required");
    }
    io.caisson.common.MetadataLimits.require(
        "container config", config.getLabelsMap(), config.getAnnotationsMap());
    PodSandboxConfig pod = sandbox.config();
    if (config.getLinux().getSecurityContext().getPrivileged()
        && !pod.getLinux().getSecurityContext().getPrivileged()) {
      // The pod's flag is what admission checked: a container may not be more than its pod.
      throw CaissonException.invalid(
          "container %s is privileged but pod sandbox %s is not: a privileged container needs"
              + " its pod's security_context.privileged",
          name, sandbox.id());
    }
    String id = Ids.newId();
    String nameKey = name + "_" + sandbox.id() + "_" + config.getMetadata().getAttempt();
    Path logPath = LogPaths.of(pod.getLogDirectory(), config.getLogPath(), id);
    HostMountPropagation.check(config, MountTable::ofThisProcess);
    NodeDefaults node = nodeDefaults;
    // A VM-based runtime (privileged_without_host_devices) has devices of its own.
    boolean hostDevicesIfPrivileged =
        sandbox.record().runtime() == null
            || !sandbox.record().runtime().privilegedWithoutHostDevices();
    if (sandbox.record().userns() != null) {
      requireDevicesUnderTheirHostNames(config);
    }
    List<HostDevices.Granted> devices = devices(config, node, hostDevicesIfPrivileged);
    // Resolved and checked against the node before anything is made: a device that is not there
    // fails the call with nothing to undo.
    CdiInjection cdiDevices = cdi.resolve(CdiRegistry.requested(config));
    List<OciHooks.Hook> ociHooks = node.hooks().current();

    Runc runtime = runtimes.of(sandbox.record().runtime());

    long t0 = System.nanoTime();
    try (Undo undo = new Undo()) {
      String holder = names.putIfAbsent(nameKey, id);
      if (holder != null) {
        throw CaissonException.alreadyExists(
            "container name %s is already in use by container %s", nameKey, holder);
      }
      undo.push(() -> names.remove(nameKey, id));

      ImageRootfs image = images.acquireForContainer(config.getImage().getImage(), id);
      undo.push(() -> images.release(image.imageId(), id));

      Path bundle = Files.createDirectories(bundles.resolve(id));
      undo.push(() -> RecordStore.deleteTree(bundle));
      Path rootfs = bundle.resolve("rootfs");
      undo.push(() -> storage.delete(id));
      undo.push(() -> OverlayRootfs.unmount(rootfs));
      if (restore.isPresent()) {
        checkpoints.unpack(restore.get(), storage.layer(id));
      }
      // The pod's own user namespace, if it has one: what the container's files are owned through.
      OverlayRootfs.Shift shift =
          sandbox.record().userns() != null
              ? InfraContainers.shiftFor(sandbox.record(), staging)
              : null;
      // Idmapped clones of layers and volumes, if any are made below.
      undo.push(() -> staging.release(id));
      if (shift != null) {
        storage.mountShifted(id, image.shortLayerDirs(), rootfs, shift);
      } else {
        storage.mount(id, image.shortLayerDirs(), rootfs);
      }
      ImageVolumes.Mounted imageVolumeMounts = imageVolumes.mount(id, bundle, config, shift, undo);
      List<Path> madeHostPaths = VolumeSources.createMissingHostPaths(config);
      undo.push(() -> VolumeSources.removeIfEmpty(madeHostPaths));
      List<Path> mountSources = volumeSources.of(id, config, sandbox.record());
      imageVolumeMounts.paths().forEach(mountSources::set);
      List<OciSpec.Mount> declaredVolumes =
          DeclaredVolumes.prepare(
              node.declaredVolumes(),
              image.config().volumes(),
              config,
              rootfs,
              storage.volumesDir(id),
              shift != null
                  ? new DeclaredVolumes.Owner(shift.rootUid(), shift.rootGid())
                  : DeclaredVolumes.Owner.ROOT);

      ImageUsers.Identity identity = RunAsIdentity.resolve(config, image.config(), rootfs);
      Path pidNamespace = null;
      var pidMode = config.getLinux().getSecurityContext().getNamespaceOptions().getPid();
      if (pidMode == NamespaceMode.POD) {
        pidNamespace =
            infra.pidNamespace(runtime, sandbox.record(), pod.getLinux().getCgroupParent());
      } else if (pidMode == NamespaceMode.TARGET) {
        pidNamespace = targetPidNamespace(config, sandbox.id());
      }
      OciSpec spec =
          ContainerSpecs.build(
              new ContainerSpecs.Inputs(
                  id,
                  config,
                  sandbox.record(),
                  image.config(),
                  rootfs,
                  identity,
                  pidNamespace,
                  CgroupPaths.container(pod.getLinux().getCgroupParent(), id),
                  daemonOomScoreAdj,
                  runtime.features().recursiveReadOnlyMounts(),
                  mountSources,
                  devices,
                  cdiDevices,
                  declaredVolumes,
                  hostDevicesIfPrivileged,
                  node,
                  ociHooks,
                  pod.getAnnotationsMap()));
      OciJson.writeConfig(bundle, spec);
      long t1 = System.nanoTime();

      undo.push(() -> conmon.cleanup(id));
      undo.push(() -> deleteQuietly(runtime, id));
      // A restored container gets its processes at StartContainer, from runc restore.
      long pid =
          restore.isPresent()
              ? 0
              : conmon
                  .create(runtime, launch(id, name, bundle, logPath, config, node.logSizeMax()))
                  .containerPid();
      // runc has its own copies of the idmapped clones in the container's mounts now.
      staging.release(id);
      long t2 = System.nanoTime();

      ContainerRecord record =
          new ContainerRecord(
              id,
              sandbox.id(),
              name,
              config.getMetadata().getAttempt(),
              config.getImage().getImage(),
              image.imageId(),
              ContainerState.CREATED,
              EpochNanos.now(),
              0,
              0,
              0,
              "",
              "",
              logPath.toString(),
              bundle.toString(),
              pid,
              image.config().stopSignal(),
              identity.uid(),
              identity.gid(),
              identity.additionalGids(),
              images
                  .status(image.imageId())
                  .map(
                      r ->
                          ImageNames.of(
                              config.getImage().getImage(),
                              config.getImage().getUserSpecifiedImage(),
                              r,
                              images::repositoriesFor))
                  .orElse(null));
      // Atomic, not flushed (as every later state of it): a machine crash ends the container
      // anyway, and recovery cleans up a bundle whose record did not make it to disk.
      if (!imageVolumeMounts.imageIds().isEmpty()) {
        store.update(id, VOLUME_IMAGES, imageVolumeMounts.imageIdBytes());
      }
      store.update(id, CONFIG, config.toByteArray());
      undo.push(() -> store.delete(id, RECORD));
      persist(record);
      // The pod may have been stopped while we worked: it must not get a new container then.
      // Under the pod's lock, so a StopPodSandbox either sees this container (and stops it) or
      // has set the pod not-ready before we look.
      sandbox.lock().lock();
      try {
        if (!sandbox.isReady()) {
          throw CaissonException.precondition("pod sandbox %s was stopped meanwhile", sandbox.id());
        }
        Container container = new Container(config, record, runtime);
        if (pid > 0) {
          ProcessStamp.of(pid).ifPresent(container::initProcess);
        }
        synchronized (container) {
          containers.put(id, container);
          events.changed(Lifecycle.Kind.CREATED, id, sandbox.id());
        }
      } finally {
        sandbox.lock().unlock();
      }
      undo.commit();
      LOG.info("container {} ({}) created in pod {}", id, name, sandbox.id());
      LOG.debug(
          "create {}: rootfs and spec {} µs, conmon + runc create {} µs, records {} µs",
          id,
          (t1 - t0) / 1000,
          (t2 - t1) / 1000,
          (System.nanoTime() - t2) / 1000);
      return id;
    } catch (Exception e) {
      // A StopPodSandbox that ran meanwhile took the namespaces away under runc's feet: that is
      // the pod's state, not a runtime fault, and the undo above already cleaned up.
      if (!sandbox.isReady()) {
        // The infra process this create may have started after the stop removed it.
        sandbox.lock().lock();
        try {
          infra.remove(runtime, sandbox.id());
        } finally {
          sandbox.lock().unlock();
        }
      }
      if (!sandbox.isReady()
          && !(e instanceof CaissonException c
              && c.kind() == CaissonException.Kind.FAILED_PRECONDITION)) {
        throw new CaissonException(
            CaissonException.Kind.FAILED_PRECONDITION,
            "pod sandbox " + sandbox.id() + " was stopped while the container was being created",
            e);
      }
      throw e;
    }
  }

  private static ContainerLaunch launch(
      String id, String name, Path bundle, Path logPath, ContainerConfig config, long logSizeMax) {
    return new ContainerLaunch(
        id,
        name,
        bundle,
        logPath,
        config.getTty(),
        config.getStdin(),
        config.getStdinOnce(),
        logSizeMax,
        null);
  }

  /**
   * Takes up a reloaded config's node defaults for the containers created from now on. Throws,
   * changing nothing, when they cannot be read (a seccomp profile gone since the config was
   * checked).
   */
  public void reconfigure(CaissonConfig config) {
    nodeDefaults = NodeDefaults.of(config);
  }

  /**
   * The host devices the container gets: for a privileged one every device of the node (as
   * containerd and CRI-O give it) unless its runtime says otherwise, the node's {@code
   * additional_devices} (looked up at each create, so a device that appears later is found), then
   * the ones kubelet asks for (a device plugin's).
   */
  private static List<HostDevices.Granted> devices(
      ContainerConfig config, NodeDefaults node, boolean hostDevicesIfPrivileged) {
    List<HostDevices.Granted> devices = new ArrayList<>();
    if (hostDevicesIfPrivileged && config.getLinux().getSecurityContext().getPrivileged()) {
      devices.addAll(HostDevices.all(Path.of("/dev")));
    }
    if (!node.additionalDevices().isEmpty()) {
      try {
        devices.addAll(HostDevices.requested(node.additionalDevices()));
      } catch (CaissonException e) {
        throw CaissonException.precondition(
            "the node's additional_devices cannot be given: %s", e.getMessage());
      }
    }
    devices.addAll(HostDevices.requested(config.getDevicesList()));
    return devices;
  }

  /**
   * In a pod of its own user namespace runc cannot make device nodes and bind-mounts them instead,
   * from the host's node at the container path: a device asked for under another name would be
   * another node of the host's or none (containerd and CRI-O share that limit of runc's). Refused
   * here, naming the device, rather than failing in runc or granting the wrong node.
   */
  private static void requireDevicesUnderTheirHostNames(ContainerConfig config) {
    for (io.caisson.cri.v1.Device device : config.getDevicesList()) {
      if (!Path.of(device.getHostPath())
          .normalize()
          .equals(Path.of(device.getContainerPath()).normalize())) {
        throw CaissonException.invalid(
            "device %s at %s: in a pod of its own user namespace a device keeps its host path"
                + " (runc binds the host's node at the container path)",
            device.getHostPath(), device.getContainerPath());
      }
    }
  }

  /**
   * The PID namespace of a running container of the same pod (kubectl debug --target). Another
   * pod's namespace is not the container's to join, and an exited one's pid may by now be any
   * process of the node's, so the pid is checked to be that container's first process still.
   */
  private Path targetPidNamespace(ContainerConfig config, String sandboxId) throws IOException {
    String target = config.getLinux().getSecurityContext().getNamespaceOptions().getTargetId();
    if (target.isEmpty()) {
      throw CaissonException.invalid("PID namespace mode TARGET needs a target_id");
    }
    Container other = find(target);
    ContainerRecord record = refresh(other);
    if (!record.sandboxId().equals(sandboxId)) {
      throw CaissonException.invalid(
          "target container %s is in pod %s, not in this container's pod %s",
          record.id(), record.sandboxId(), sandboxId);
    }
    boolean running =
        record.state() == ContainerState.RUNNING
            && other
                .runtime()
                .initProcess(record.id())
                .filter(stamp -> stamp.pid() == record.pid())
                .filter(ProcessStamp::stillRunning)
                .isPresent();
    if (!running) {
      throw CaissonException.precondition(
          "target container %s is not running: its PID namespace cannot be joined", record.id());
    }
    return Path.of("/proc", Long.toString(record.pid()), "ns", "pid");
  }

  // ---- Start / Stop / Remove ----------------------------------------------------------------

  public void start(String idOrPrefix) throws Exception {
    Container container = find(idOrPrefix);
    container.lock().lock();
    try {
      ContainerRecord record = refresh(container);
      if (record.state() != ContainerState.CREATED) {
        throw CaissonException.precondition(
            "container %s is %s; only a created container can start",
            record.id(), record.state().name().toLowerCase());
      }
      if (!sandboxes.find(record.sandboxId()).isReady()) {
        throw CaissonException.precondition("pod sandbox %s is not ready", record.sandboxId());
      }
      // Under the container's monitor, so an exit seen meanwhile is recorded after the start.
      synchronized (container) {
        if (container.record().state() != ContainerState.CREATED) {
          throw CaissonException.precondition("container %s exited before it started", record.id());
        }
        long pid = record.pid();
        if (checkpoints.pendingRestore(storage.layer(record.id()))) {
          ContainerLaunch launch =
              launch(
                  record.id(),
                  record.name(),
                  Path.of(record.bundle()),
                  Path.of(record.logPath()),
                  container.config(),
                  nodeDefaults.logSizeMax());
          pid =
              checkpoints
                  .restore(container.runtime(), launch, storage.layer(record.id()))
                  .containerPid();
          // As CreateContainer does for a fresh one: a lost conmon is then noticed at a stop.
          ProcessStamp.of(pid).ifPresent(container::initProcess);
        } else {
          try {
            container.runtime().start(record.id(), pid, Path.of(record.bundle()));
          } catch (RuntimeException e) {
            recordStartError(container, record, e);
            throw e;
          }
        }
        container.update(record.started(pid, EpochNanos.now()));
        persist(container.record());
        events.changed(Lifecycle.Kind.STARTED, record.id(), record.sandboxId());
      }
    } finally {
      container.lock().unlock();
    }
  }

  /**
   * A start that failed ends the container, as containerd and CRI-O end it (exit code 128, reason
   * StartError, runc's words as the message): left CREATED, kubelet would start it again and again
   * whatever its restart policy, each time with runc's init process, cgroup and conmon still there.
   * The container is deleted from runc, which ends its init process.
   */
  private void recordStartError(Container container, ContainerRecord record, Exception failure)
      throws IOException {
    ContainerRecord failed =
        record.exited(START_ERROR_EXIT_CODE, EpochNanos.now(), "StartError", failure.getMessage());
    container.update(failed);
    persist(failed);
    deleteQuietly(container.runtime(), record.id());
    events.changed(Lifecycle.Kind.STOPPED, record.id(), record.sandboxId());
  }

  /** Stop signal, up to {@code timeoutSeconds} of grace, then SIGKILL; idempotent. */
  public void stop(String idOrPrefix, long timeoutSeconds) throws Exception {
    Optional<Container> found = findOptional(idOrPrefix);
    if (found.isEmpty()) {
      return;
    }
    Container container = found.get();
    if (timeoutSeconds > 0 && signalForGrace(container)) {
      // The grace period passes without the container's lock: kubelet's force delete (a second
      // stop with a shorter timeout), a remove or the pod's stop may end the container meanwhile,
      // and would otherwise wait out this whole period first.
      awaitExit(container, Duration.ofSeconds(timeoutSeconds));
    }
    container.lock().lock();
    try {
      stopLocked(container, 0);
    } finally {
      container.lock().unlock();
    }
  }

  /** Sends a running container its stop signal; false when there is no grace period to wait. */
  private boolean signalForGrace(Container container) throws Exception {
    container.lock().lock();
    try {
      if (container.isRemoved() || refresh(container).state() != ContainerState.RUNNING) {
        return false;
      }
      signals.send(container, stopSignal(container.record()));
      return true;
    } finally {
      container.lock().unlock();
    }
  }

  /**
   * The image's STOPSIGNAL; SIGTERM when it names no signal this node knows, so that a stop still
   * gives the grace period and then kills, rather than failing and leaving the container running.
   */
  private static int stopSignal(ContainerRecord record) {
    try {
      return Signals.parse(record.stopSignal());
    } catch (CaissonException e) {
      LOG.warn("container {}: {}; sending SIGTERM", record.id(), e.getMessage());
      return Signals.SIGTERM;
    }
  }

  /**
   * Ends the container's processes, then frees what runc keeps of it (state directory, cgroups) at
   * once, as containerd does when a task exits, instead of at RemoveContainer, which kubelet may
   * call much later.
   */
  private void stopLocked(Container container, long timeoutSeconds) throws Exception {
    endProcesses(container, timeoutSeconds);
    if (container.record().state() == ContainerState.EXITED && !container.isRemoved()) {
      deleteQuietly(container.runtime(), container.id());
    }
  }

  private void endProcesses(Container container, long timeoutSeconds) throws Exception {
    ContainerRecord record = refresh(container);
    if (record.state() == ContainerState.EXITED || container.isRemoved()) {
      return;
    }
    if (record.state() == ContainerState.CREATED
        && checkpoints.pendingRestore(storage.layer(record.id()))) {
      // Created from a checkpoint and never restored: there is no process to stop.
      checkpoints.discardRestore(storage.layer(record.id()));
      synchronized (container) {
        ContainerRecord exited =
            record.exited(
                0, EpochNanos.now(), "Stopped", "stopped before its checkpoint was restored");
        container.update(exited);
        persist(exited);
        events.changed(Lifecycle.Kind.STOPPED, exited.id(), exited.sandboxId());
      }
      return;
    }
    if (record.state() == ContainerState.CREATED) {
      // Never started: kill the waiting init so conmon records an exit.
      signals.send(container, Signals.SIGKILL);
      awaitExit(container, KILL_WAIT);
      return;
    }
    if (timeoutSeconds > 0) {
      signals.send(container, stopSignal(record));
      if (awaitExit(container, Duration.ofSeconds(timeoutSeconds))) {
        return;
      }
    }
    signals.send(container, Signals.SIGKILL);
    if (!awaitExit(container, KILL_WAIT)) {
      throw CaissonException.internal(
          "container " + record.id() + " did not exit after SIGKILL", null);
    }
  }

  private boolean awaitExit(Container container, Duration timeout) throws Exception {
    long start = System.nanoTime();
    // A client may ask for any grace period, up to Long.MAX_VALUE seconds: saturate, don't wrap.
    long limit =
        timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE : timeout.toNanos();
    while (true) {
      if (refresh(container).state() == ContainerState.EXITED || recordExitIfLost(container)) {
        return true;
      }
      long left = limit - (System.nanoTime() - start);
      if (left <= 0) {
        return false;
      }
      // The exit watcher records the exit as soon as conmon writes its file; looking again now
      // and then covers an inotify event the kernel dropped.
      container.awaitExitRecord(Duration.ofNanos(Math.min(left, EXIT_RECHECK.toNanos())));
    }
  }

  /** Removes the container whatever its state; idempotent. */
  public void remove(String idOrPrefix) throws Exception {
    Optional<Container> found = findOptional(idOrPrefix);
    if (found.isEmpty()) {
      return;
    }
    Container container = found.get();
    container.lock().lock();
    try {
      if (container.isRemoved()) {
        return;
      }
      stopLocked(container, 0);
      ContainerRecord record = container.record();
      deleteQuietly(container.runtime(), record.id());
      conmon.cleanup(record.id());
      OverlayRootfs.unmount(Path.of(record.bundle()).resolve("rootfs"));
      imageVolumes.remove(record.id(), Path.of(record.bundle()));
      synchronized (container) {
        // Exits are recorded under the container's monitor: none can write the record back now.
        container.recordDeleted();
        store.delete(record.id(), RECORD);
      }
      storage.delete(record.id());
      layerUsage.forget(record.id());
      RecordStore.deleteTree(Path.of(record.bundle()));
      if (LogPaths.isRuntimeChosen(Path.of(record.logPath()), record.id())) {
        // Its pod named no log directory, so kubelet's log rotation and cleanup never see it.
        Files.deleteIfExists(Path.of(record.logPath()));
      }
      images.release(record.imageId(), record.id());
      container.markRemoved();
      containers.remove(record.id());
      names.remove(record.nameKey(), record.id());
      events.changed(Lifecycle.Kind.DELETED, record.id(), record.sandboxId());
      LOG.info("container {} removed", record.id());
    } finally {
      container.lock().unlock();
    }
  }

  /**
   * Frees what runc keeps of a container whose exit was just recorded, whoever noticed it (the exit
   * watcher, a status call, recovery), on a virtual thread of its own once nobody holds the
   * container's lock: a completed Job's containers would otherwise hold their cgroups in every
   * hierarchy until kubelet removes them. After a stop there is nothing left to do (the stop freed
   * it under the lock). In a container sharing its pod's PID namespace this also ends the children
   * its first process left behind, as containerd does.
   */
  private void releaseRuntimeSoon(Container container) {
    Thread.ofVirtual()
        .name("runc-release")
        .start(
            () -> {
              container.lock().lock();
              try {
                if (!container.isRemoved()
                    && container.record().state() == ContainerState.EXITED
                    && container.runtime().knows(container.id())) {
                  releases.acquireUninterruptibly();
                  try {
                    deleteQuietly(container.runtime(), container.id());
                  } finally {
                    releases.release();
                  }
                }
              } finally {
                container.lock().unlock();
              }
            });
  }

  private static void deleteQuietly(Runc runtime, String id) {
    try {
      if (runtime.knows(id)) {
        runtime.delete(id, true);
      }
    } catch (CaissonException e) {
      LOG.warn("runc delete {}: {}", id, e.getMessage());
    }
  }

  @Override
  public void stopAll(SandboxRecord pod) throws Exception {
    for (Container container : ofSandbox(pod.id())) {
      stop(container.id(), 0);
    }
    infra.remove(runtimes.of(pod.runtime()), pod.id());
  }

  @Override
  public void removeAll(SandboxRecord pod) throws Exception {
    for (Container container : ofSandbox(pod.id())) {
      remove(container.id());
    }
    infra.remove(runtimes.of(pod.runtime()), pod.id());
  }

  private List<Container> ofSandbox(String sandboxId) {
    return containers.values().stream()
        .filter(c -> c.record().sandboxId().equals(sandboxId))
        .toList();
  }

  // ---- status, exec, update -----------------------------------------------------------------

  /**
   * The container's record brought up to date with conmon's exit file. The transition to EXITED
   * happens once, under the container's monitor, and raises the STOPPED event there.
   */
  public ContainerRecord refresh(Container container) throws IOException {
    ContainerRecord record = container.record();
    if (record.state() == ContainerState.EXITED) {
      return record;
    }
    Optional<ExitInfo> exit = conmon.readExit(record.id(), Path.of(record.bundle()));
    if (exit.isEmpty()) {
      return record;
    }
    synchronized (container) {
      return recordExit(container, exit.get());
    }
  }

  /**
   * What {@link #refresh(Container)} does, for a container of a list: {@code exitFiles} is one read
   * of conmon's exit directory for the whole list ({@link #exitFileNames}), and only a container
   * named there is looked at more closely. At 200 containers the stat per container was ~40 % of
   * ListContainers.
   */
  public ContainerRecord refresh(Container container, Set<String> exitFiles) throws IOException {
    ContainerRecord record = container.record();
    if (record.state() == ContainerState.EXITED || !exitFiles.contains(record.id())) {
      return record;
    }
    return refresh(container);
  }

  /** The names in conmon's exit directory, for {@link #refresh(Container, Set)}. */
  public Set<String> exitFileNames() {
    return conmon.exitFileNames();
  }

  /**
   * Whether the container's first process is gone and so is its conmon, without an exit file:
   * conmon could not write it (its exit directory is on a full tmpfs) or was killed itself (the OOM
   * killer). Nothing will ever record this exit, so a stop would wait for it in vain and a status
   * would say running for ever; it is recorded here, code unknown. Looked at while a stop waits and
   * by the exit watcher's sweep; a conmon gone while the container runs is left alone.
   */
  boolean recordExitIfLost(Container container) throws IOException {
    ProcessStamp init = container.initProcess();
    ContainerRecord record = container.record();
    if (init == null || init.stillRunning() || Conmon.conmonAlive(Path.of(record.bundle()))) {
      return false;
    }
    // conmon writes the file before it exits: read again now that it is known to be gone.
    if (refresh(container).state() == ContainerState.EXITED) {
      return true;
    }
    synchronized (container) {
      if (container.record().state() == ContainerState.EXITED) {
        return true;
      }
      ContainerRecord lost =
          container
              .record()
              .exited(
                  UNKNOWN_EXIT_CODE,
                  EpochNanos.now(),
                  "Unknown",
                  "conmon ended before the container and recorded no exit status, so the exit"
                      + " code is unknown (conmon killed, or a log it could not reopen, or "
                      + conmon.exitDir()
                      + " full)");
      container.update(lost);
      LOG.warn("container {} exited with no exit file from conmon: code unknown", record.id());
      try {
        if (container.recordStored()) {
          persist(lost);
        }
      } catch (IOException e) {
        // Known in memory; after a restart, recovery finds the container gone from runc again.
        LOG.warn("container {}: cannot record its exit: {}", record.id(), e.getMessage());
      }
      events.changed(Lifecycle.Kind.STOPPED, lost.id(), lost.sandboxId());
      releaseRuntimeSoon(container);
      return true;
    }
  }

  private ContainerRecord recordExit(Container container, ExitInfo info) throws IOException {
    ContainerRecord record = container.record();
    if (record.state() == ContainerState.EXITED) {
      return record;
    }
    String reason = info.oomKilled() ? "OOMKilled" : info.exitCode() == 0 ? "Completed" : "Error";
    Instant at = info.finishedAt();
    // The exit file's time comes from the filesystem's coarser clock: a container that ends within
    // a tick of its start would seem to finish before it started.
    long finishedAt = Math.max(EpochNanos.of(at), record.startedAtNanos());
    ContainerRecord exited = record.exited(info.exitCode(), finishedAt, reason, "");
    container.update(exited);
    if (container.recordStored()) {
      persist(exited);
    }
    events.changed(Lifecycle.Kind.STOPPED, exited.id(), exited.sandboxId());
    releaseRuntimeSoon(container);
    return exited;
  }

  /**
   * How execs in this running container run: through caisson-exec or runc exec, worked out at the
   * first exec and kept while it holds (see {@link DirectExec}).
   */
  DirectExec.Route execRoute(Container container, ContainerRecord record) {
    return container.execRoute(
        record.id(),
        () ->
            DirectExec.routeFor(
                container.runtime(),
                Path.of(record.bundle()),
                record.id(),
                container.initProcess()));
  }

  /**
   * @param timeout null for none
   */
  public Runc.ExecResult execSync(String idOrPrefix, List<String> argv, Duration timeout)
      throws Exception {
    if (argv.isEmpty()) {
      throw CaissonException.invalid("exec needs a command");
    }
    Container container = find(idOrPrefix);
    ContainerRecord record = refresh(container);
    if (record.state() != ContainerState.RUNNING) {
      throw CaissonException.precondition(
          "container %s is not running (%s)", record.id(), record.state().name().toLowerCase());
    }
    return switch (execRoute(container, record)) {
      case DirectExec.Direct direct ->
          DirectExec.run(direct, record.id(), argv, timeout, Runc.EXEC_OUTPUT_LIMIT);
      case DirectExec.ThroughRunc _ ->
          container.runtime().execSync(record.id(), argv, timeout, Runc.EXEC_OUTPUT_LIMIT);
    };
  }

  public void update(String idOrPrefix, LinuxContainerResources resources) throws Exception {
    Container container = find(idOrPrefix);
    container.lock().lock();
    try {
      ContainerRecord record = refresh(container);
      if (record.state() == ContainerState.EXITED) {
        throw CaissonException.precondition("container %s has exited", record.id());
      }
      LinuxContainerResources merged =
          ResourceUpdates.merge(container.config().getLinux().getResources(), resources);
      requireRoomForWhatIsUsed(container, merged.getMemoryLimitInBytes());
      io.caisson.oci.OciSpecBuilder builder = new io.caisson.oci.OciSpecBuilder();
      ContainerSpecs.resources(builder, merged, daemonOomScoreAdj, nodeDefaults.swapAccounting());
      OciSpec.Resources wanted = builder.resources();
      container.runtime().update(record.id(), wanted);
      ContainerConfig updated =
          container.config().toBuilder()
              .setLinux(container.config().getLinux().toBuilder().setResources(merged))
              .build();
      store.write(record.id(), CONFIG, updated.toByteArray());
      container.updateConfig(updated);
      try {
        OciJson.updateResources(Path.of(record.bundle()), wanted);
      } catch (IOException e) {
        // The cgroup and the stored config have the new limits; only inspect's copy lags.
        LOG.warn(
            "container {}: cannot record the new resources in its bundle: {}",
            record.id(),
            e.toString());
      }
    } finally {
      container.lock().unlock();
    }
  }

  /**
   * cgroup v2 takes any memory.max: below what the container uses, the kernel reclaims and then
   * OOM-kills it. v1 refuses the write, and runc says so; on v2 the working set (what reclaim
   * cannot take) is checked here, so the update is refused the same way rather than kill.
   */
  private void requireRoomForWhatIsUsed(Container container, long limit) throws IOException {
    if (limit <= 0 || !nodeDefaults.cgroupV2()) {
      return;
    }
    long used =
        CgroupReader.host().read(cgroupsPath(container)).map(CgroupSample::workingSet).orElse(0L);
    if (used > limit) {
      throw CaissonException.precondition(
          "memory limit %d is below what container %s uses now (%d bytes of working set)",
          limit, container.id(), used);
    }
  }

  public void reopenLog(String idOrPrefix) throws Exception {
    Container container = find(idOrPrefix);
    ContainerRecord record = refresh(container);
    if (record.state() != ContainerState.RUNNING) {
      throw CaissonException.precondition(
          "container %s is not running: its log cannot be reopened", record.id());
    }
    conmon.reopenLog(Path.of(record.bundle()), Path.of(record.logPath()));
  }

  // ---- lookups ------------------------------------------------------------------------------

  public Container find(String idOrPrefix) {
    return findOptional(idOrPrefix)
        .orElseThrow(() -> CaissonException.notFound("container %s not found", idOrPrefix));
  }

  public Optional<Container> findOptional(String idOrPrefix) {
    return Ids.lookup(containers, "container_id", idOrPrefix, Container::id);
  }

  /** The container of exactly this id; no prefix matching. */
  public Optional<Container> byId(String id) {
    return Optional.ofNullable(containers.get(id));
  }

  public Collection<Container> all() {
    return containers.values();
  }

  /** The container's cgroup, as runc was told to create it. */
  public String cgroupsPath(Container container) {
    Sandbox sandbox = sandboxes.findOptional(container.record().sandboxId()).orElse(null);
    String parent = sandbox == null ? "" : sandbox.config().getLinux().getCgroupParent();
    return CgroupPaths.container(parent, container.id());
  }

  /** The container's writable layer: what it changed on top of its image. */
  public Path writableLayer(Container container) {
    return storage.layer(container.id()).upper();
  }

  // ---- restart ------------------------------------------------------------------------------

  /** Loads containers of an earlier run; conmon kept them running meanwhile. */
  public void recover() throws IOException {
    // Clones a daemon that died during a CreateContainer left behind.
    staging.sweep();
    for (String id : store.ids()) {
      try {
        Optional<byte[]> recordBytes = store.read(id, RECORD);
        Optional<byte[]> configBytes = store.read(id, CONFIG);
        ContainerRecord record;
        ContainerConfig config;
        try {
          // An empty config is one a machine crash cut short (a real one always has a name).
          if (recordBytes.isEmpty() || configBytes.isEmpty() || configBytes.get().length == 0) {
            throw new IOException("record incomplete");
          }
          record = JsonRecords.STANDARD.read(recordBytes.get(), ContainerRecord.class);
          config = ContainerConfig.parseFrom(configBytes.get());
        } catch (IOException e) {
          // A crash between reserving the record dir and the first complete write: the
          // container never existed for any client, so nothing of it may stay.
          LOG.warn("container {} was never fully created ({}); cleaning up", id, e.getMessage());
          // Which runtime it was to get is in the record that could not be read: ask them all.
          runtimes.byRoot().forEach(runtime -> deleteQuietly(runtime, id));
          conmon.cleanup(id);
          OverlayRootfs.unmount(bundles.resolve(id).resolve("rootfs"));
          ImageVolumes.unmountAll(bundles.resolve(id));
          RecordStore.deleteTree(bundles.resolve(id));
          storage.delete(id);
          store.delete(id, RECORD);
          continue;
        }
        Runc runtime =
            sandboxes
                .findOptional(record.sandboxId())
                .map(pod -> runtimes.of(pod.record().runtime()))
                .orElse(runtimes.standard());
        Container container = new Container(config, record, runtime);
        names.put(record.nameKey(), id);
        images.acquire(record.imageId(), id);
        imageVolumes.hold(id, store.read(id, VOLUME_IMAGES), config);
        containers.put(id, container);
        RuncState.Status status =
            record.state() == ContainerState.EXITED
                ? RuncState.Status.STOPPED
                : runtime.state(id).map(RuncState::parsedStatus).orElse(RuncState.Status.STOPPED);
        if (record.state() == ContainerState.CREATED
            && (status == RuncState.Status.RUNNING || status == RuncState.Status.PAUSED)) {
          // The daemon was stopped between `runc start` and writing the start down: the
          // container runs, and a retried StartContainer could never succeed. When it started
          // is not known any closer than now.
          ContainerRecord started = record.started(record.pid(), EpochNanos.now());
          container.update(started);
          persist(started);
          LOG.warn("container {} was started before the daemon stopped: recorded running", id);
        } else if (record.state() != ContainerState.EXITED
            && status == RuncState.Status.STOPPED
            && refresh(container).state() != ContainerState.EXITED
            // Created from a checkpoint: it has no runtime state until StartContainer.
            && !checkpoints.pendingRestore(storage.layer(id))) {
          if (!runtime.knows(id)) {
            // Neither runc nor conmon remembers it: their state lives in tmpfs, so the node
            // rebooted (or someone wiped it). The process is gone; its exit code is unknowable.
            recordLostAtRecovery(
                container, "the runtime's state of this container was lost (node restarted?)");
          } else if (!Conmon.conmonAlive(Path.of(record.bundle()))
              // conmon writes the file before it exits: read it again now it is known gone.
              && refresh(container).state() != ContainerState.EXITED) {
            // Its conmon was killed (the OOM killer) and then the container ended, both while
            // the daemon was down: nothing will ever write this exit down.
            recordLostAtRecovery(
                container, "the container exited while its conmon was gone: no exit status");
          }
        }
      } catch (Exception e) {
        LOG.error("container {} could not be loaded: {}", id, e.toString());
      }
    }
    for (Container container : containers.values()) {
      if (container.record().state() == ContainerState.EXITED) {
        // An exit recorded before the daemon stopped may not be freed from runc's state yet (the
        // release looks whether runc still holds any).
        releaseRuntimeSoon(container);
      } else {
        // Still running (or created): signalled through a pidfd again, as before the restart.
        container
            .runtime()
            .initProcess(container.id())
            .filter(ProcessStamp::stillRunning)
            .ifPresent(container::initProcess);
      }
    }
    checkpoints.recover(
        id ->
            Optional.ofNullable(containers.get(id))
                .filter(c -> c.record().state() == ContainerState.RUNNING));
    LOG.info("recovered {} containers", containers.size());
  }

  private void recordLostAtRecovery(Container container, String why) throws IOException {
    ContainerRecord lost =
        container.record().exited(UNKNOWN_EXIT_CODE, EpochNanos.now(), "Unknown", why);
    container.update(lost);
    persist(lost);
    LOG.warn("container {}: {}: marked exited (code unknown)", lost.id(), why);
  }

  /**
   * Records a container's state: atomic, not flushed. After a machine crash every container has
   * ended whatever the record says, and recovery reads that from runc and conmon (or, with no
   * readable record, removes what the container left).
   */
  private void persist(ContainerRecord record) throws IOException {
    store.update(record.id(), RECORD, JsonRecords.STANDARD.bytes(record));
  }

  private static int ownOomScoreAdj() {
    try {
      return Integer.parseInt(io.caisson.linux.ProcFiles.read(Path.of("/proc/self/oom_score_adj")));
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }
}
