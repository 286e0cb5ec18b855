package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.common.Undo;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.image.ImageRootfs;
import io.caisson.image.ImageService;
import io.caisson.storage.OverlayRootfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Image volumes (CRI {@code Mount.image}, Kubernetes' {@code volumes[].image}): an image kubelet
 * pulled, mounted read-only into a container. Each is an overlay of the image's layers without an
 * upper layer, under the container's bundle ({@code BUNDLE/image-volumes/N} for its N-th mount),
 * bound into the container like a host path; the image is held (RemoveImage refuses it) until the
 * container is removed.
 */
final class ImageVolumes {
  private static final String DIR = "image-volumes";
  private final ImageService images;
  private final OverlayRootfs storage;

  ImageVolumes(ImageService images, OverlayRootfs storage) {
    this.images = images;
    this.storage = storage;
  }

  /** Whether a CRI mount is an image volume, refusing one that is also a host path. */
  static boolean isImageVolume(Mount mount) {
    if (mount.getImage().getImage().isEmpty()) {
      return false;
    }
    if (!mount.getHostPath().isEmpty()) {
      throw CaissonException.invalid(
          "mount %s names both host_path %s and image %s: they are mutually exclusive",
          mount.getContainerPath(), mount.getHostPath(), mount.getImage().getImage());
    }
    return true;
  }

  /**
   * Mounts the config's image volumes; returns each one's overlay by the index of its mount. What
   * was done is pushed on {@code undo}.
   *
   * @param shift the pod's user namespace, when it has its own, else null
   */
  Map<Integer, Path> mount(
      String id, Path bundle, ContainerConfig config, OverlayRootfs.Shift shift, Undo undo)
      throws IOException {
    Map<Integer, Path> mounted = new HashMap<>();
    for (int i = 0; i < config.getMountsCount(); i++) {
      Mount mount = config.getMounts(i);
      if (!isImageVolume(mount)) {
        continue;
      }
      ImageRootfs image = acquire(id, mount);
      undo.push(() -> images.release(image.imageId(), holder(id)));
      Path target = bundle.resolve(DIR).resolve(Integer.toString(i));
      undo.push(() -> OverlayRootfs.unmount(target));
      storage.mountReadOnly(
          id, image.shortLayerDirs(), bundle.resolve(DIR).resolve("empty"), target, shift);
      mounted.put(i, target);
    }
    return mounted;
  }

  /** After a restart: holds the images of a recovered container's volumes again. */
  void hold(String id, ContainerConfig config) {
    for (Mount mount : config.getMountsList()) {
      if (!mount.getImage().getImage().isEmpty()) {
        images
            .status(mount.getImage().getImage())
            .ifPresent(r -> images.acquire(r.id(), holder(id)));
      }
    }
  }

  /** Unmounts a container's image volumes and lets their images go; harmless when there is none. */
  void remove(String id, Path bundle, ContainerConfig config) {
    unmountAll(bundle);
    for (Mount mount : config.getMountsList()) {
      if (!mount.getImage().getImage().isEmpty()) {
        images
            .status(mount.getImage().getImage())
            .ifPresent(r -> images.release(r.id(), holder(id)));
      }
    }
  }

  /** Unmounts whatever is mounted under the bundle's image-volume directory. */
  static void unmountAll(Path bundle) {
    Path dir = bundle.resolve(DIR);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> volumes = Files.list(dir)) {
      volumes.forEach(OverlayRootfs::unmount);
    } catch (IOException e) {
      // gone meanwhile
    }
  }

  private ImageRootfs acquire(String id, Mount mount) {
    try {
      return images.acquireForContainer(mount.getImage().getImage(), holder(id));
    } catch (CaissonException e) {
      if (e.kind() == CaissonException.Kind.NOT_FOUND) {
        throw CaissonException.notFound(
            "image %s of the volume at %s not found: kubelet pulls it first",
            mount.getImage().getImage(), mount.getContainerPath());
      }
      throw e;
    }
  }

  /** The holder of a container's volume images, apart from its own image's. */
  private static String holder(String id) {
    return id + "/image-volumes";
  }
}
