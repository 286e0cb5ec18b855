package io.caisson.storage;

import io.caisson.common.CaissonException;
import io.caisson.linux.SyscallException;
import io.caisson.linux.Syscalls;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root filesystem: the image's unpacked layers as read-only overlayfs lower dirs and
 * a writable upper dir of the container's own. The upper and work dirs are durable (under the root
 * dir) so a container's changes survive a daemon restart; the merged mount point is not.
 */
public final class OverlayRootfs {
  /** overlayfs takes its options in one page; longer lowerdir lists are refused by the kernel. */
  private static final int MAX_OPTIONS = 4095;

  private final Path layersDir;

  /**
   * @param containersDir durable per-container storage, e.g. ROOT/containers
   */
  public OverlayRootfs(Path containersDir) {
    this.layersDir = containersDir;
  }

  /** Where every container's writable layer is (ImageFsInfo reports it as the container fs). */
  public Path layersDir() {
    return layersDir;
  }

  /** The paths of one container's writable layer. */
  public record Layer(Path upper, Path work) {}

  public Layer layer(String containerId) {
    Path base = layersDir.resolve(containerId);
    return new Layer(base.resolve("upper"), base.resolve("work"));
  }

  /**
   * Where the container's own directories for its image's declared volumes go: beside its writable
   * layer, so they are removed with it.
   */
  public Path volumesDir(String containerId) {
    return layersDir.resolve(containerId).resolve("volumes");
  }

  /**
   * Mounts {@code lowerDirs} (lowest first, as images list them) under the container's upper dir at
   * {@code target}. Creates the writable layer on first use. An image of no layers (OCI allows one:
   * metadata over an empty filesystem) starts from an empty directory, as containerd and CRI-O
   * start it; overlayfs wants at least one lower dir.
   */
  public void mount(String containerId, List<Path> lowerDirs, Path target) throws IOException {
    if (lowerDirs.isEmpty()) {
      lowerDirs = List.of(Files.createDirectories(layersDir.resolve(containerId).resolve("empty")));
    }
    Layer layer = layer(containerId);
    Files.createDirectories(layer.upper());
    Files.createDirectories(layer.work());
    Files.createDirectories(target);
    String options = options(lowerDirs, layer);
    if (options.length() > MAX_OPTIONS) {
      throw CaissonException.precondition(
          "image of container %s has too many layers for one overlay mount (%d bytes of options)",
          containerId, options.length());
    }
    Syscalls.mount("overlay", target, "overlay", 0, options);
  }

  /**
   * The owner a pod of its own user namespace gives its containers' files: its root's host ids, and
   * the user namespace (a pinned file) that maps them.
   */
  public record Shift(Path userns, long rootUid, long rootGid, IdmappedStaging staging) {}

  /**
   * Mounts as {@link #mount} does, for a container of a pod with its own user namespace: each lower
   * layer is seen through an idmapped clone (its files owned by the pod's ids as they are by the
   * host's on disk), and the writable layer's top belongs to the pod's root, so what the container
   * writes is stored with the ids it has on the host.
   */
  public void mountShifted(String containerId, List<Path> lowerDirs, Path target, Shift shift)
      throws IOException {
    Layer layer = layer(containerId);
    Files.createDirectories(layer.upper());
    // uid_t is unsigned: a host id above 2^31 passes through int's bits unchanged.
    Files.setAttribute(layer.upper(), "unix:uid", (int) shift.rootUid());
    Files.setAttribute(layer.upper(), "unix:gid", (int) shift.rootGid());
    List<Path> shifted = shift.staging().stage(containerId, "layer", lowerDirs, shift.userns());
    try {
      mount(containerId, shifted, target);
    } finally {
      // overlayfs holds private copies of its layers' mounts: the clones are not needed any more.
      shift.staging().release(containerId);
    }
  }

  /**
   * Mounts {@code lowerDirs} (lowest first) read-only at {@code target}: an overlay without an
   * upper layer, as an image volume is. overlayfs wants two lower layers when it has no upper one,
   * so the empty directory {@code empty} is the lowest. With {@code shift} (a pod of its own user
   * namespace) each layer is seen through an idmapped clone, as in {@link #mountShifted}.
   */
  public void mountReadOnly(
      String containerId, List<Path> lowerDirs, Path empty, Path target, Shift shift)
      throws IOException {
    Files.createDirectories(empty);
    Files.createDirectories(target);
    List<Path> layers = lowerDirs;
    if (shift != null) {
      layers = shift.staging().stage(containerId, "volume-layer", lowerDirs, shift.userns());
    }
    try {
      List<Path> withEmpty = new ArrayList<>(List.of(empty));
      withEmpty.addAll(layers);
      String options = lowerdir(withEmpty);
      if (options.length() > MAX_OPTIONS) {
        throw CaissonException.precondition(
            "an image volume of container %s has too many layers for one overlay mount",
            containerId);
      }
      Syscalls.mount(
          "overlay",
          target,
          "overlay",
          Syscalls.MS_RDONLY | Syscalls.MS_NOSUID | Syscalls.MS_NODEV,
          options);
    } finally {
      if (shift != null) {
        shift.staging().release(containerId);
      }
    }
  }

  static String options(List<Path> lowerDirs, Layer layer) {
    return lowerdir(lowerDirs)
        + ",upperdir="
        + layer.upper()
        + ",workdir="
        + layer.work()
        + ",index=off";
  }

  /** overlayfs's lowerdir option for layers given lowest first: it lists them highest first. */
  private static String lowerdir(List<Path> lowestFirst) {
    List<String> highestFirst = new ArrayList<>();
    for (int i = lowestFirst.size() - 1; i >= 0; i--) {
      highestFirst.add(lowestFirst.get(i).toString());
    }
    return "lowerdir=" + String.join(":", highestFirst);
  }

  /** Unmounts the merged view; harmless when it is not mounted. */
  public static void unmount(Path target) {
    try {
      Syscalls.umount(target, Syscalls.MNT_DETACH);
    } catch (SyscallException e) {
      // EINVAL (not mounted) or ENOENT: nothing to undo.
    }
  }

  /** Deletes the container's writable layer. */
  public void delete(String containerId) throws IOException {
    RecordStore.deleteTree(layersDir.resolve(containerId));
  }
}
