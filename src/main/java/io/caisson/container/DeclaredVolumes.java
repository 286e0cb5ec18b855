package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.Mount;
import io.caisson.oci.OciSpec;
import io.caisson.storage.RootfsPaths;
import io.caisson.storage.TreeCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The volumes an image's config declares (a Dockerfile's {@code VOLUME}), which no CRI mount
 * covers. Kubernetes knows nothing of them, so the runtime decides, by the node's {@code
 * image_volumes}:
 *
 * <ul>
 *   <li>{@link Mode#COPY} (containerd's and docker's way): a directory of the container's own,
 *       beside its writable layer, starting with the image's content at that path (owners, modes
 *       and all), bound over the path read-write, so it stays writable under a read-only rootfs and
 *       its writes stay out of the writable layer. Removed with the container.
 *   <li>{@link Mode#MKDIR} (CRI-O's default): the path is made a directory in the rootfs if the
 *       image lacks it, owned by the container's root.
 *   <li>{@link Mode#IGNORE}: nothing (containerd's {@code ignore_image_defined_volumes}).
 * </ul>
 */
final class DeclaredVolumes {
  /** The node's {@code image_volumes}. */
  enum Mode {
    COPY,
    MKDIR,
    IGNORE;

    /** The config value ("copy", "mkdir", "ignore"), checked when the config was loaded. */
    static Mode of(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  /** The owner of what is made where the image has nothing: the container's root, on the node. */
  record Owner(long uid, long gid) {
    static final Owner ROOT = new Owner(0, 0);
  }

  private DeclaredVolumes() {}

  /**
   * Prepares the image's declared volumes in a mounted rootfs: copies or makes their directories.
   * Returns the bind mounts to add to the container's spec (none but for {@link Mode#COPY}).
   *
   * @param declared the image config's volume paths
   * @param volumesDir where {@link Mode#COPY} puts each volume's directory (removed with the
   *     container's writable layer)
   */
  static List<OciSpec.Mount> prepare(
      Mode mode,
      List<String> declared,
      ContainerConfig config,
      Path rootfs,
      Path volumesDir,
      Owner owner)
      throws IOException {
    if (mode == Mode.IGNORE || declared.isEmpty()) {
      return List.of();
    }
    Set<String> covered = new HashSet<>();
    for (Mount mount : config.getMountsList()) {
      covered.add(normalize(mount.getContainerPath()));
    }
    List<OciSpec.Mount> mounts = new ArrayList<>();
    int n = 0;
    for (String volume : declared) {
      String path = normalize(volume);
      if (path.equals("/")) {
        throw CaissonException.precondition(
            "image %s declares the root directory as a volume", config.getImage().getImage());
      }
      if (covered.contains(path)) {
        continue; // a CRI mount is there, as kubelet puts a pod's volume over the image's
      }
      Path inRootfs = RootfsPaths.resolve(rootfs, path);
      if (inRootfs.equals(rootfs)) {
        // Through the image's own link: a copy of the whole image, bound over its root.
        throw CaissonException.precondition(
            "image %s declares volume %s, a link to the root directory",
            config.getImage().getImage(), path);
      }
      if (Files.exists(inRootfs, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(inRootfs, LinkOption.NOFOLLOW_LINKS)) {
        throw CaissonException.precondition(
            "image %s declares volume %s, which is not a directory in the image",
            config.getImage().getImage(), path);
      }
      if (mode == Mode.MKDIR) {
        makeDirectories(rootfs, inRootfs, owner);
        continue;
      }
      Path own = volumesDir.resolve(Integer.toString(n++));
      Files.createDirectories(volumesDir);
      if (Files.isDirectory(inRootfs, LinkOption.NOFOLLOW_LINKS)) {
        TreeCopy.copy(inRootfs, own);
      } else {
        makeDirectory(own, owner);
      }
      mounts.add(
          new OciSpec.Mount(path, "bind", own.toString(), List.of("rbind", "rprivate", "rw")));
    }
    return List.copyOf(mounts);
  }

  /** An absolute path without ".", "..", doubled or trailing slashes, as runc compares them. */
  static String normalize(String path) {
    return Path.of("/").resolve(path).normalize().toString();
  }

  /** Makes the missing directories down to {@code dir}, which lies in {@code rootfs}. */
  private static void makeDirectories(Path rootfs, Path dir, Owner owner) throws IOException {
    if (dir.equals(rootfs) || Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    makeDirectories(rootfs, dir.getParent(), owner);
    makeDirectory(dir, owner);
  }

  private static void makeDirectory(Path dir, Owner owner) throws IOException {
    Files.createDirectory(dir);
    // Not left to the daemon's umask.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    // uid_t is unsigned: a host id above 2^31 passes through int's bits unchanged.
    Files.setAttribute(dir, "unix:uid", (int) owner.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(dir, "unix:gid", (int) owner.gid(), LinkOption.NOFOLLOW_LINKS);
  }
}
