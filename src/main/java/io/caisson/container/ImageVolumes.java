package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.common.Undo;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.image.ImageRootfs;
import io.caisson.image.ImageService;
import io.caisson.storage.OverlayRootfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
   * A container's mounted image volumes: each overlay by the index of its mount, and the ids held.
   */
  record Mounted(Map<Integer, Path> paths, List<String> imageIds) {
    /** The held ids as the container's store keeps them, one per line. */
    byte[] imageIdBytes() {
      return String.join("\n", imageIds).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * Mounts the config's image volumes. What was done is pushed on {@code undo}.
   *
   * @param shift the pod's user namespace, when it has its own, else null
   */
  Mounted mount(
      String id, Path bundle, ContainerConfig config, OverlayRootfs.Shift shift, Undo undo)
      throws IOException {
    Map<Integer, Path> mounted = new HashMap<>();
    List<String> held = new ArrayList<>();
    for (int i = 0; i < config.getMountsCount(); i++) {
      Mount mount = config.getMounts(i);
      if (!isImageVolume(mount)) {
        continue;
      }
      ImageRootfs image = acquire(id, mount);
      undo.push(() -> images.release(image.imageId(), holder(id)));
      held.add(image.imageId());
      Path target = bundle.resolve(DIR).resolve(Integer.toString(i));
      undo.push(() -> OverlayRootfs.unmount(target));
      storage.mountReadOnly(
          id, image.shortLayerDirs(), bundle.resolve(DIR).resolve("empty"), target, shift);
      mounted.put(i, target);
    }
    return new Mounted(Map.copyOf(mounted), List.copyOf(held));
  }

  /**
   * After a restart: holds the images of a recovered container's volumes again, by the ids it
   * mounted ({@code storedIds}, from {@link Mounted#imageIdBytes}): a tag may name another image by
   * now. Records written before the ids were kept fall back to the mounts' references.
   */
  void hold(String id, Optional<byte[]> storedIds, ContainerConfig config) {
    if (storedIds.isPresent()) {
      for (String imageId : new String(storedIds.get(), StandardCharsets.UTF_8).split("\n")) {
        if (!imageId.isEmpty()) {
          holdQuietly(imageId, id);
        }
      }
      return;
    }
    for (Mount mount : config.getMountsList()) {
      if (!mount.getImage().getImage().isEmpty()) {
        images.status(mount.getImage().getImage()).ifPresent(r -> holdQuietly(r.id(), id));
      }
    }
  }

  private void holdQuietly(String imageId, String id) {
    try {
      images.acquire(imageId, holder(id));
    } catch (CaissonException e) {
      // Removed while the daemon was down: nothing to hold.
    }
  }

  /** Unmounts a container's image volumes and lets their images go; harmless when there is none. */
  void remove(String id, Path bundle) {
    unmountAll(bundle);
    images.releaseHolder(holder(id));
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
