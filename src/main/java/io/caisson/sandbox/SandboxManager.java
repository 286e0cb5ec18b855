package io.caisson.sandbox;

import com.google.common.util.concurrent.Uninterruptibles;
import io.caisson.common.CaissonException;
import io.caisson.common.EpochNanos;
import io.caisson.common.Ids;
import io.caisson.common.Undo;
import io.caisson.config.CaissonConfig;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.PodSandboxConfig;
import io.caisson.cri.v1.PodSandboxMetadata;
import io.caisson.events.Lifecycle;
import io.caisson.json.JsonRecords;
import io.caisson.linux.Namespaces;
import io.caisson.linux.ProcFiles;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import io.caisson.network.PodFiles;
import io.caisson.network.PodNetwork;
import io.caisson.oci.OciRuntimes;
import io.caisson.oci.Runc;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod sandbox lifecycle. A sandbox is a set of pinned namespaces (no process unless the pod shares
 * a PID namespace), the pod's files and /dev/shm, and its CNI attachment. Each step of
 * RunPodSandbox registers its inverse, so a failure leaves nothing behind.
 */
public final class SandboxManager {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxManager.class);
  private static final String RECORD = "sandbox.json";
  private static final String CONFIG = "config.pb";
  private static final String SHM_OPTIONS = "mode=1777,size=65536k";
  private volatile Predicate<Runc> userNamespaces = runtime -> false;

  /** What stopping or removing a pod must do to its containers (the container manager). */
  public interface PodContainers {
    void stopAll(SandboxRecord pod) throws Exception;

    void removeAll(SandboxRecord pod) throws Exception;
  }

  private final OciRuntimes runtimes;

  /** The node's default_sysctls; replaced when the daemon reloads its config. */
  private volatile Map<String, String> defaultSysctls;

  private final SandboxNetwork network;
  private final RecordStore store;
  private final Path stateDir;
  private final SandboxNames names = new SandboxNames();
  private final ConcurrentHashMap<String, Sandbox> sandboxes = new ConcurrentHashMap<>();

  /**
   * Sandboxes whose RunPodSandbox failed and whose CNI attachment then failed to detach too: no pod
   * is left for kubelet to stop, so the next RunPodSandbox (kubelet retries a failed one) tries the
   * DEL again, as a restart would.
   */
  private final Set<String> strandedAttachments = ConcurrentHashMap.newKeySet();

  private volatile PodContainers containers = new NoContainers();
  private volatile Lifecycle events = Lifecycle.NONE;

  public SandboxManager(CaissonConfig config, OciRuntimes runtimes, SandboxNetwork network)
      throws IOException {
    this.runtimes = runtimes;
    this.defaultSysctls = config.defaultSysctlMap();
    this.network = network;
    this.store = new RecordStore(config.root().resolve("sandboxes"));
    this.stateDir = Files.createDirectories(config.state().resolve("sandboxes"));
  }

  /** Takes up a reloaded config's default_sysctls for the pods run from now on. */
  public void reconfigure(CaissonConfig config) {
    defaultSysctls = config.defaultSysctlMap();
  }

  public void setContainers(PodContainers containers) {
    this.containers = containers;
  }

  /**
   * Whether pods of their own user namespace can run here with a runtime; none until the daemon
   * says.
   */
  public void setUserNamespaces(Predicate<Runc> supported) {
    this.userNamespaces = supported;
  }

  /**
   * Where the pods' own lifecycle events go (the sandbox id is their subject, as in containerd).
   */
  public void setEvents(Lifecycle events) {
    this.events = events;
  }

  // ---- RunPodSandbox ------------------------------------------------------------------------

  public String run(PodSandboxConfig podConfig, String runtimeHandler) throws Exception {
    PodSandboxMetadata metadata = podConfig.getMetadata();
    requireField("metadata.name", metadata.getName());
    requireField("metadata.namespace", metadata.getNamespace());
    requireField("metadata.uid", metadata.getUid());
    String cgroupParent = podConfig.getLinux().getCgroupParent();
    if (Path.of(cgroupParent.isEmpty() ? "/" : cgroupParent)
        .normalize()
        .toString()
        .endsWith(".slice")) {
      // kubelet with the systemd driver names slices; Caisson places cgroups the cgroupfs way, and
      // would make directories inside systemd's own slices.
      throw CaissonException.invalid(
          "cgroup_parent %s is a systemd slice, but Caisson uses the cgroupfs driver: set kubelet's"
              + " cgroupDriver to cgroupfs",
          cgroupParent);
    }
    if (!podConfig.getLogDirectory().isEmpty()
        && !Path.of(podConfig.getLogDirectory()).isAbsolute()) {
      // A relative one would put container logs wherever the daemon happens to run.
      throw CaissonException.invalid(
          "pod sandbox config: log_directory '%s' must be an absolute path",
          podConfig.getLogDirectory());
    }
    io.caisson.common.MetadataLimits.require(
        "pod sandbox config", podConfig.getLabelsMap(), podConfig.getAnnotationsMap());
    OciRuntimes.Binding binding =
        runtimes
            .bind(runtimeHandler)
            .orElseThrow(
                () ->
                    CaissonException.invalid(
                        "runtime handler '%s' is not configured (known: %s)",
                        runtimeHandler, runtimes.names()));
    Runc runtime = runtimes.of(binding);
    if (!Files.isExecutable(runtime.binary())) {
      // Found now rather than at the pod's first container, with the pod half made.
      throw CaissonException.precondition(
          "runtime handler '%s': %s is not an executable file",
          binding.handler(), runtime.binary());
    }
    NamespaceOption namespaces = podConfig.getLinux().getSecurityContext().getNamespaceOptions();
    Optional<UserNamespaces.PodIds> podIds = UserNamespaces.forPod(namespaces);
    if (podIds.isPresent() && !userNamespaces.test(runtime)) {
      throw CaissonException.invalid(
          "pod user namespace (security_context.namespace_options.userns_options): pods of their own"
              + " user namespace are not supported on this node with runtime handler '%s' (%s must"
              + " join user namespaces, overlayfs take idmapped layers (Linux 5.19+) and the image"
              + " store's filesystem be idmappable)",
          binding.handler(), binding.binary());
    }
    boolean hostNetwork = namespaces.getNetwork() == NamespaceMode.NODE;
    boolean hostIpc = namespaces.getIpc() == NamespaceMode.NODE;
    // A pod-wide PID namespace (NamespaceMode.POD, the proto default) needs a process to hold
    // it; that infra process is started with the pod's first container, so a pod that never
    // gets one costs no process at all.
    PodSysctls.validate(podConfig.getLinux().getSysctlsMap(), hostNetwork, hostIpc);
    Map<String, String> sysctls =
        PodSysctls.effective(
            defaultSysctls, podConfig.getLinux().getSysctlsMap(), hostNetwork, hostIpc);

    detachStranded();
    String id = Ids.newId();
    String nameKey =
        SandboxNames.key(
            metadata.getName(), metadata.getNamespace(), metadata.getUid(), metadata.getAttempt());
    long t0 = System.nanoTime();
    try (Undo undo = new Undo()) {
      names.reserve(nameKey, id);
      undo.push(() -> names.release(nameKey, id));

      Path dir = Files.createDirectories(stateDir.resolve(id));
      undo.push(() -> RecordStore.deleteTree(dir));

      // The pod's config is known now and its flush to disk needs nothing below: it overlaps the
      // namespaces and the CNI plugins instead of adding to them. Without the record it is a
      // half-created object, which recovery removes.
      FutureTask<Void> configWritten =
          inBackground(
              "sandbox-config-" + id,
              () -> {
                store.write(id, CONFIG, podConfig.toByteArray());
                return null;
              });
      undo.push(
          () -> {
            awaitQuietly(configWritten);
            store.delete(id, RECORD);
          });

      Map<Namespaces.Kind, Path> pinned = new EnumMap<>(Namespaces.Kind.class);
      if (!hostNetwork) {
        pinned.put(Namespaces.Kind.NET, dir.resolve("ns/net"));
        pinned.put(Namespaces.Kind.UTS, dir.resolve("ns/uts"));
      }
      if (!hostIpc) {
        pinned.put(Namespaces.Kind.IPC, dir.resolve("ns/ipc"));
      }
      // The CNI attach's crash-safe intent is flushed while the namespaces are created: it needs
      // only the network namespace's path. Until the plugins start, undoing it means dropping it.
      Path netns = pinned.get(Namespaces.Kind.NET);
      FutureTask<SandboxNetwork.PendingAttach> networkPrepared =
          netns == null
              ? null
              : inBackground("sandbox-network-" + id, () -> network.prepare(id, podConfig, netns));
      if (networkPrepared != null) {
        undo.push(
            () -> {
              SandboxNetwork.PendingAttach pending = awaitQuietly(networkPrepared);
              if (pending != null) {
                pending.abandon();
              }
            });
      }
      String hostname = hostname(podConfig, hostNetwork);
      // Set up inside the new namespaces (on the thread that creates them, when it can): the IPC
      // sysctls (validated above to name only namespaces the pod has), the hostname, lo. The
      // network's wait for the CNI plugins: an interface's (net.ipv4.conf.eth0.*) is there only
      // then, and a plugin's own settings must not override the pod's.
      Namespaces.InNamespace<Void> setUp =
          () -> {
            if (podIds.isEmpty()) {
              PodSysctls.applyHere(PodSysctls.of(sysctls, Namespaces.Kind.IPC));
            }
            if (pinned.containsKey(Namespaces.Kind.UTS)) {
              Syscalls.sethostname(hostname);
            }
            if (pinned.containsKey(Namespaces.Kind.NET)) {
              PodNetwork.loopbackUp();
            }
            return null;
          };
      Path userns = null;
      if (podIds.isPresent()) {
        userns = dir.resolve("ns/user");
        Namespaces.pinInUserNamespace(
            userns,
            podIds.get().uids().procMapLine(),
            podIds.get().gids().procMapLine(),
            pinned,
            setUp);
      } else {
        Namespaces.pin(pinned, setUp);
      }
      // Only now: a failed pin has released its namespaces itself.
      List<Path> pinnedFiles = new ArrayList<>(pinned.values());
      if (userns != null) {
        pinnedFiles.add(userns);
      }
      undo.push(() -> Namespaces.release(pinnedFiles));
      Map<String, String> ipcSysctls = PodSysctls.of(sysctls, Namespaces.Kind.IPC);
      if (userns != null && !ipcSysctls.isEmpty()) {
        PodSysctls.applyAsPodRoot(ipcSysctls, userns, pinned.get(Namespaces.Kind.IPC));
      }

      Path shm = null;
      if (!hostIpc) {
        shm = Files.createDirectories(dir.resolve("shm"));
        Path shmMount = shm;
        Syscalls.mount(
            "shm",
            shm,
            "tmpfs",
            Syscalls.MS_NOSUID | Syscalls.MS_NODEV | Syscalls.MS_NOEXEC,
            SHM_OPTIONS);
        undo.push(() -> unmount(shmMount));
      }

      long t1 = System.nanoTime();
      SandboxNetwork.PodIps ips = new SandboxNetwork.PodIps("", List.of());
      if (networkPrepared != null) {
        SandboxNetwork.PendingAttach pending = await(networkPrepared);
        undo.push(() -> detachOrStrand(id));
        ips = pending.attach();
      }
      Map<String, String> netSysctls = PodSysctls.of(sysctls, Namespaces.Kind.NET);
      if (!netSysctls.isEmpty()) {
        Namespaces.runIn(
            Map.of(Namespaces.Kind.NET, netns),
            () -> {
              PodSysctls.applyHere(netSysctls);
              return null;
            });
      }
      network.writePodFiles(dir, podConfig, hostname, ips.all());
      long t2 = System.nanoTime();

      SandboxRecord record =
          new SandboxRecord(
              id,
              metadata.getName(),
              metadata.getNamespace(),
              metadata.getUid(),
              metadata.getAttempt(),
              runtimeHandler,
              EpochNanos.now(),
              SandboxState.READY,
              ips.primary(),
              ips.additional(),
              str(netns),
              str(pinned.get(Namespaces.Kind.IPC)),
              str(pinned.get(Namespaces.Kind.UTS)),
              dir.toString(),
              str(shm),
              hostname,
              null,
              str(userns),
              podIds.map(UserNamespaces.PodIds::uids).orElse(null),
              podIds.map(UserNamespaces.PodIds::gids).orElse(null),
              binding);
      await(configWritten);
      persist(record);
      sandboxes.put(id, new Sandbox(podConfig, record));
      undo.commit();
      events.changed(Lifecycle.Kind.CREATED, id, id);
      events.changed(Lifecycle.Kind.STARTED, id, id);
      LOG.info(
          "sandbox {} ready: {}/{} ip={}", id, metadata.getNamespace(), metadata.getName(), ips);
      LOG.debug(
          "run {}: namespaces {} µs, network and pod files {} µs, records {} µs",
          id,
          (t1 - t0) / 1000,
          (t2 - t1) / 1000,
          (System.nanoTime() - t2) / 1000);
      return id;
    }
  }

  // ---- StopPodSandbox / RemovePodSandbox ----------------------------------------------------

  /** Stops the pod's containers and tears its network down; idempotent, also for unknown ids. */
  public void stop(String idOrPrefix) throws Exception {
    Optional<Sandbox> found = findOptional(idOrPrefix);
    if (found.isEmpty()) {
      return;
    }
    Sandbox sandbox = found.get();
    sandbox.lock().lock();
    try {
      if (sandbox.isRemoved()) {
        return;
      }
      // Refuse new containers first, so none starts while we stop the others. Written down before
      // any teardown: a stop that fails half-way (a plugin's DEL) has already stopped containers
      // and given addresses back, and a restarted daemon must not read the pod as ready.
      if (sandbox.record().state() == SandboxState.READY) {
        sandbox.update(sandbox.record().withState(SandboxState.NOTREADY));
        persist(sandbox.record());
        sandbox.owesStopEvent();
      }
      containers.stopAll(sandbox.record());
      // Raised once the containers are down, before the network teardown: a DEL that fails (and
      // is retried by kubelet) must not lose the event, as containerd raises it when the pod's
      // sandbox process exits, whatever its network does afterwards.
      raiseStopEvent(sandbox);
      releaseResources(sandbox);
      persist(sandbox.record());
      LOG.info("sandbox {} stopped", sandbox.id());
    } finally {
      sandbox.lock().unlock();
    }
  }

  /** Removes the pod and everything it had; idempotent. */
  public void remove(String idOrPrefix) throws Exception {
    Optional<Sandbox> found = findOptional(idOrPrefix);
    if (found.isEmpty()) {
      return;
    }
    Sandbox sandbox = found.get();
    sandbox.lock().lock();
    try {
      if (sandbox.isRemoved()) {
        return;
      }
      if (sandbox.record().state() == SandboxState.READY) {
        sandbox.update(sandbox.record().withState(SandboxState.NOTREADY));
        persist(sandbox.record()); // as in stop: before any teardown
        sandbox.owesStopEvent();
      }
      containers.stopAll(sandbox.record());
      raiseStopEvent(sandbox);
      containers.removeAll(sandbox.record());
      releaseResources(sandbox);
      store.delete(sandbox.id(), RECORD);
      RecordStore.deleteTree(Path.of(sandbox.record().dir()));
      // Raised while the sandbox can still be looked up, so the event carries its last status.
      events.changed(Lifecycle.Kind.DELETED, sandbox.id(), sandbox.id());
      sandbox.markRemoved();
      sandboxes.remove(sandbox.id());
      names.release(sandbox.record().nameKey(), sandbox.id());
      LOG.info("sandbox {} removed", sandbox.id());
    } finally {
      sandbox.lock().unlock();
    }
  }

  private void raiseStopEvent(Sandbox sandbox) {
    if (sandbox.takeStopEvent()) {
      events.changed(Lifecycle.Kind.STOPPED, sandbox.id(), sandbox.id());
    }
  }

  /** Network detach, namespaces and /dev/shm: each step is harmless to repeat. */
  private void releaseResources(Sandbox sandbox) throws Exception {
    SandboxRecord record = sandbox.record();
    if (record.netns() != null) {
      network.detach(record.id());
    }
    if (record.shm() != null) {
      unmount(Path.of(record.shm()));
    }
    List<Path> pinned = new ArrayList<>();
    // The user namespace last: the others belong to it.
    for (String path :
        new String[] {record.netns(), record.ipcns(), record.utsns(), record.userns()}) {
      if (path != null) {
        pinned.add(Path.of(path));
      }
    }
    Namespaces.release(pinned);
  }

  // ---- lookups ------------------------------------------------------------------------------

  /** The sandbox with this id or unique id prefix; NOT_FOUND otherwise. */
  public Sandbox find(String idOrPrefix) {
    return findOptional(idOrPrefix)
        .orElseThrow(() -> CaissonException.notFound("pod sandbox %s not found", idOrPrefix));
  }

  public Optional<Sandbox> findOptional(String idOrPrefix) {
    return Ids.lookup(sandboxes, "pod_sandbox_id", idOrPrefix, Sandbox::id);
  }

  public Collection<Sandbox> all() {
    return sandboxes.values();
  }

  // ---- restart ------------------------------------------------------------------------------

  /**
   * Whether a pod's pinned namespaces, /dev/shm or its files (hosts, resolv.conf, hostname) are
   * gone: they live in the volatile state dir. A pod on the host's network has no network namespace
   * file to miss, and its containers would still fail to mount the rest.
   */
  private static boolean lostAtReboot(SandboxRecord record) {
    return Stream.of(
            record.dir(),
            record.netns(),
            record.ipcns(),
            record.utsns(),
            record.shm(),
            record.userns())
        .filter(Objects::nonNull)
        .anyMatch(path -> !Files.exists(Path.of(path)));
  }

  /** Loads every sandbox persisted by an earlier run; half-created ones are cleaned up. */
  public void recover() throws IOException {
    for (String id : store.ids()) {
      try {
        Optional<byte[]> recordBytes = store.read(id, RECORD);
        Optional<byte[]> configBytes = store.read(id, CONFIG);
        SandboxRecord record;
        PodSandboxConfig podConfig;
        try {
          if (recordBytes.isEmpty() || configBytes.isEmpty()) {
            throw new IOException("record incomplete");
          }
          record = JsonRecords.STANDARD.read(recordBytes.get(), SandboxRecord.class);
          podConfig = PodSandboxConfig.parseFrom(configBytes.get());
        } catch (IOException e) {
          LOG.warn("sandbox {} was never fully created ({}); cleaning up", id, e.getMessage());
          discardHalfCreated(id);
          continue;
        }
        if (record.state() == SandboxState.READY && lostAtReboot(record)) {
          // The node rebooted (the state dir is volatile): the namespaces are gone.
          record = record.withState(SandboxState.NOTREADY);
        }
        names.reserve(record.nameKey(), id);
        sandboxes.put(id, new Sandbox(podConfig, record));
      } catch (Exception e) {
        LOG.error("sandbox {} could not be loaded: {}", id, e.toString());
      }
    }
    // A crash before the first record write leaves a state dir (pinned namespaces, perhaps a CNI
    // attachment) and no record dir at all.
    try (var dirs = Files.list(stateDir)) {
      for (Path dir : dirs.toList()) {
        String id = dir.getFileName().toString();
        if (!sandboxes.containsKey(id) && !store.ids().contains(id)) {
          LOG.warn("sandbox {} was cut short before its record was written; cleaning up", id);
          discardHalfCreated(id);
        }
      }
    }
    // A crash after the plugins ran and before the record reached the disk, then a reboot (which
    // took the state dir): only the CNI cache knows of the pod, and the IPAM plugin still holds its
    // address.
    try {
      List<String> recorded = store.ids(); // loaded, or kept on disk for a look by hand
      for (String id : network.attachedSandboxes()) {
        if (!sandboxes.containsKey(id) && !recorded.contains(id)) {
          LOG.warn("sandbox {} has no record but a CNI attachment; detaching it", id);
          detachQuietly(id);
        }
      }
    } catch (Exception e) {
      LOG.error("cannot look for CNI attachments without a sandbox: {}", e.toString());
    }
    LOG.info("recovered {} sandboxes", sandboxes.size());
  }

  /**
   * Undoes what a RunPodSandbox cut short by a crash may have done: the CNI attachment (the plugins
   * find it by the pod id in their cache), the pinned namespaces and /dev/shm, the files.
   */
  private void discardHalfCreated(String id) throws IOException {
    Path dir = stateDir.resolve(id);
    Path netns = dir.resolve("ns/net");
    // Whether or not the namespace is there: the intent is flushed while it is being created, and
    // after a reboot the plugins' IP allocations outlive it.
    detachQuietly(id);
    unmount(dir.resolve("shm"));
    Namespaces.release(
        List.of(netns, dir.resolve("ns/ipc"), dir.resolve("ns/uts"), dir.resolve("ns/user")));
    RecordStore.deleteTree(dir);
    store.delete(id, RECORD);
  }

  /** The undo of a failed run's attach: a DEL that fails too is tried again later. */
  private void detachOrStrand(String id) throws Exception {
    try {
      network.detach(id);
    } catch (Exception e) {
      strandedAttachments.add(id);
      throw e;
    }
  }

  /** Tries the DEL of the attachments failed runs left behind once more. */
  private void detachStranded() {
    for (String id : List.copyOf(strandedAttachments)) {
      if (!strandedAttachments.remove(id)) {
        continue; // another run took it
      }
      try {
        network.detach(id);
        LOG.info("sandbox {}: the CNI attachment its failed run left behind is detached", id);
      } catch (Exception e) {
        strandedAttachments.add(id);
        LOG.warn(
            "sandbox {}: the CNI attachment its failed run left behind still cannot be detached:"
                + " {}",
            id,
            e.getMessage());
      }
    }
  }

  private void detachQuietly(String id) {
    try {
      network.detach(id);
    } catch (Exception e) {
      LOG.warn("sandbox {}: network detach failed: {}", id, e.getMessage());
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Starts {@code work} on a virtual thread of its own; the task holds its result or failure. */
  private static <T> FutureTask<T> inBackground(String name, Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread.ofVirtual().name(name).start(task);
    return task;
  }

  /** The task's result, or what it threw, unwrapped. */
  private static <T> T await(FutureTask<T> task) throws Exception {
    try {
      return task.get();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case Exception cause -> throw cause;
        case Error error -> throw error;
        default -> throw e;
      }
    }
  }

  /**
   * Waits for the task to end however it ends, as undo must not race work still under way.
   *
   * @return its result, or null when it failed
   */
  private static <T> T awaitQuietly(FutureTask<T> task) {
    try {
      return Uninterruptibles.getUninterruptibly(task);
    } catch (ExecutionException e) {
      // The failure was reported by whoever awaited it, or does not matter any more.
      return null;
    }
  }

  private void persist(SandboxRecord record) throws IOException {
    store.write(record.id(), RECORD, JsonRecords.STANDARD.bytes(record));
  }

  private static String hostname(PodSandboxConfig podConfig, boolean hostNetwork)
      throws IOException {
    if (hostNetwork) {
      return ProcFiles.read(Path.of("/proc/sys/kernel/hostname"));
    }
    String hostname = podConfig.getHostname();
    if (hostname.isEmpty()) {
      // As other CRI runtimes do: no hostname asked for means the node's, whatever it is (a
      // node named my_host still runs its pods).
      return ProcFiles.read(Path.of("/proc/sys/kernel/hostname"));
    }
    if (!PodFiles.isHostName(hostname)) {
      throw CaissonException.invalid(
          "hostname '%s' is not a valid host name (RFC 1123 labels, at most 64 bytes)", hostname);
    }
    return hostname;
  }

  private static void unmount(Path path) {
    try {
      Syscalls.umount(path, Syscalls.MNT_DETACH);
    } catch (SyscallException e) {
      // Not mounted (any more): nothing to do.
    }
  }

  private static void requireField(String field, String value) {
    if (value.isEmpty()) {
      throw CaissonException.invalid("pod sandbox config: %s is required", field);
    }
  }

  private static String str(Path path) {
    return path == null ? null : path.toString();
  }

  /** Until containers exist, a pod has none to stop or remove. */
  private static final class NoContainers implements PodContainers {
    @Override
    public void stopAll(SandboxRecord pod) {}

    @Override
    public void removeAll(SandboxRecord pod) {}
  }
}
