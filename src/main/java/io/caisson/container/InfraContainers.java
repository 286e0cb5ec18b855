package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.image.Credentials;
import io.caisson.image.ImageRootfs;
import io.caisson.image.ImageService;
import io.caisson.linux.ProcessStamp;
import io.caisson.oci.Conmon;
import io.caisson.oci.ContainerLaunch;
import io.caisson.oci.OciJson;
import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import io.caisson.oci.Runc;
import io.caisson.oci.RuncState;
import io.caisson.sandbox.SandboxRecord;
import io.caisson.storage.IdmappedStaging;
import io.caisson.storage.OverlayRootfs;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pause process that holds a pod's shared PID namespace. Only pods whose containers share one
 * (NamespaceMode.POD for pid) get it, and only when their first container is created. It runs under
 * runc with the sandbox's id, so `runc state` finds it again after a daemon restart.
 */
final class InfraContainers {
  private static final Logger LOG = LoggerFactory.getLogger(InfraContainers.class);

  private final ImageService images;
  private final String pauseImage;
  private final Conmon conmon;
  private final OverlayRootfs storage;
  private final Path bundles;
  private final IdmappedStaging staging;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /**
   * Infra processes seen running, by pod: while the same process runs, a CreateContainer need not
   * ask runc (a runc process, ~8 ms of every create in a pod with a shared PID namespace).
   */
  private final ConcurrentHashMap<String, ProcessStamp> running = new ConcurrentHashMap<>();

  InfraContainers(
      ImageService images,
      String pauseImage,
      Conmon conmon,
      OverlayRootfs storage,
      Path bundles,
      IdmappedStaging staging) {
    this.images = images;
    this.pauseImage = pauseImage;
    this.conmon = conmon;
    this.storage = storage;
    this.bundles = bundles;
    this.staging = staging;
  }

  /** How a container of this pod sees its files: shifted into the pod's own user namespace. */
  static OverlayRootfs.Shift shiftFor(SandboxRecord pod, IdmappedStaging staging) {
    return new OverlayRootfs.Shift(
        Path.of(pod.userns()), pod.uids().hostId(), pod.gids().hostId(), staging);
  }

  /**
   * The PID namespace file of the pod's infra process, starting it first if needed.
   *
   * @param runc the pod's runtime
   */
  Path pidNamespace(Runc runc, SandboxRecord pod, String cgroupParent) throws Exception {
    ProcessStamp known = running.get(pod.id());
    if (known != null && known.stillRunning()) {
      return namespaceOf(known.pid());
    }
    ReentrantLock lock = locks.computeIfAbsent(pod.id(), id -> new ReentrantLock());
    lock.lock();
    try {
      running.remove(pod.id());
      Optional<RuncState> state = runc.state(pod.id());
      if (state.isPresent() && state.get().parsedStatus() == RuncState.Status.RUNNING) {
        remember(pod.id(), state.get().pid());
        return namespaceOf(state.get().pid());
      }
      if (state.isPresent()) {
        remove(runc, pod.id());
      }
      long pid = start(runc, pod, cgroupParent);
      remember(pod.id(), pid);
      return namespaceOf(pid);
    } finally {
      lock.unlock();
    }
  }

  private void remember(String podId, long pid) {
    ProcessStamp.of(pid).ifPresent(stamp -> running.put(podId, stamp));
  }

  private static Path namespaceOf(long pid) {
    return Path.of("/proc", Long.toString(pid), "ns", "pid");
  }

  private long start(Runc runc, SandboxRecord pod, String cgroupParent) throws Exception {
    if (images.status(pauseImage).isEmpty()) {
      LOG.info("pulling the infra image {} for pod {}", pauseImage, pod.id());
      images.pull(pauseImage, Credentials.NONE);
    }
    ImageRootfs image = images.acquireForContainer(pauseImage, pod.id());
    Path bundle = bundles.resolve(pod.id());
    Path rootfs = bundle.resolve("rootfs");
    try {
      Files.createDirectories(bundle);
      if (pod.userns() != null) {
        storage.mountShifted(pod.id(), image.shortLayerDirs(), rootfs, shiftFor(pod, staging));
      } else {
        storage.mount(pod.id(), image.shortLayerDirs(), rootfs);
      }
      List<String> argv =
          ContainerSpecs.command(
              io.caisson.cri.v1.ContainerConfig.getDefaultInstance(), image.config());
      ImageUsers.Identity user =
          ImageUsers.read(rootfs)
              .resolve(userOf(image.config().user()), groupOf(image.config().user()), List.of());
      OciSpecBuilder spec =
          OciSpecBuilder.criDefaults()
              .root(rootfs.toString(), true)
              .args(argv)
              .user(user.uid(), user.gid(), List.of())
              .capabilities(List.of())
              .noNewPrivileges(true)
              .cgroupsPath(CgroupPaths.container(cgroupParent, "infra-" + pod.id()));
      if (pod.netns() != null) {
        spec.namespace("network", pod.netns())
            .namespace("uts", pod.utsns())
            .hostname(pod.hostname());
      } else {
        spec.removeNamespace("network").removeNamespace("uts");
      }
      if (pod.ipcns() != null) {
        spec.namespace("ipc", pod.ipcns());
      } else {
        spec.removeNamespace("ipc");
      }
      if (pod.userns() != null) {
        // Its PID namespace must belong to the pod's user namespace for the containers to join it.
        spec.namespace("user", pod.userns())
            .idMappings(
                List.of(ContainerSpecs.ociMapping(pod.uids())),
                List.of(ContainerSpecs.ociMapping(pod.gids())));
      }
      OciSpec built = spec.build();
      OciJson.writeConfig(bundle, built);
      Conmon.Created created =
          conmon.create(
              runc, ContainerLaunch.simple(pod.id(), bundle, bundle.resolve("infra.log")));
      runc.start(pod.id(), created.containerPid(), bundle);
      LOG.info("pod {} infra process {} holds its PID namespace", pod.id(), created.containerPid());
      return created.containerPid();
    } catch (Exception e) {
      remove(runc, pod.id());
      throw e;
    }
  }

  /**
   * Stops and removes the pod's infra process and its files; harmless when there is none.
   *
   * @param runc the pod's runtime
   */
  void remove(Runc runc, String podId) {
    running.remove(podId);
    try {
      if (runc.knows(podId)) {
        runc.delete(podId, true);
      }
    } catch (CaissonException e) {
      LOG.warn("removing infra of pod {}: {}", podId, e.getMessage());
    }
    conmon.cleanup(podId);
    Path bundle = bundles.resolve(podId);
    OverlayRootfs.unmount(bundle.resolve("rootfs"));
    try {
      storage.delete(podId);
      RecordStore.deleteTree(bundle);
    } catch (IOException e) {
      LOG.warn("removing infra files of pod {}: {}", podId, e.getMessage());
    }
    images.release(images.status(pauseImage).map(r -> r.id()).orElse(""), podId);
    locks.remove(podId);
  }

  static String userOf(String user) {
    int colon = user.indexOf(':');
    return colon < 0 ? user : user.substring(0, colon);
  }

  static String groupOf(String user) {
    int colon = user.indexOf(':');
    return colon < 0 ? null : user.substring(colon + 1);
  }
}
