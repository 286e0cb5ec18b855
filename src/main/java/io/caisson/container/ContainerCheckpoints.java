package io.caisson.container;

import io.caisson.checkpoint.CheckpointArchive;
import io.caisson.checkpoint.CheckpointMetadata;
import io.caisson.checkpoint.RootfsDiff;
import io.caisson.common.CaissonException;
import io.caisson.common.EpochNanos;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Mount;
import io.caisson.image.LayerUnpacker;
import io.caisson.oci.Conmon;
import io.caisson.oci.ContainerLaunch;
import io.caisson.oci.Criu;
import io.caisson.oci.Runc;
import io.caisson.storage.OverlayRootfs;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CheckpointContainer and its other half, creating a container from a checkpoint archive (the CRI-O
 * way: CreateContainer whose image is the archive's path, then StartContainer restores).
 *
 * <p>Checkpoint: the container is frozen, runc/CRIU dump it into a work dir under the daemon's root
 * and its writable layer's changes are packed beside the dump; then it runs on, and the dump, the
 * OCI spec, the metadata and the layer's changes are packed into the archive at the requested
 * location, atomically, within the caller's deadline. The work dir goes whatever happens.
 *
 * <p>Restore: the request gives the container config (the archive only the dumped processes'
 * command, env and stdio, and the base image), the layer diff is applied to the new container's
 * upper dir and CRIU's images wait beside it ({@code restore/checkpoint} in the container's
 * storage) until StartContainer has conmon run {@code runc restore} on them.
 */
public final class ContainerCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerCheckpoints.class);

  /** Established TCP connections and file locks are dumped and restored rather than refused. */
  private static final List<String> RESTORE_OPTS = List.of("--tcp-established", "--file-locks");

  private static final String RESTORE_DIR = "restore";

  /** A checkpoint's work dir in the staging dir: this prefix, the container's id, '-', random. */
  private static final String WORK_PREFIX = "checkpoint-";

  /** The file in a work dir that names the archive being written. */
  private static final String LOCATION = "location";

  private static final Pattern FULL_IMAGE_ID = Pattern.compile("sha256:[0-9a-f]{64}");

  private final ContainerManager containers;
  private final Conmon conmon;
  private final Criu criu;
  private final Path tmpDir;

  /**
   * @param tmpDir where checkpoints are staged (under the daemon's root, so a large dump never
   *     lands on a small /tmp); created on demand, emptied after each checkpoint and, of what a
   *     crash left, at start-up
   */
  ContainerCheckpoints(ContainerManager containers, Conmon conmon, Criu criu, Path tmpDir) {
    this.containers = containers;
    this.conmon = conmon;
    this.criu = criu;
    this.tmpDir = tmpDir;
  }

  public Criu criu() {
    return criu;
  }

  // ---- CheckpointContainer ------------------------------------------------------------------

  /**
   * Checkpoints a running container into the archive {@code location}; the container keeps running.
   */
  public void checkpoint(String idOrPrefix, String location, CheckpointDeadline deadline)
      throws Exception {
    Container container = containers.find(idOrPrefix);
    Path target = archiveLocation(location);
    container.lock().lock();
    try {
      ContainerRecord record = containers.refresh(container);
      if (container.isRemoved() || record.state() != ContainerState.RUNNING) {
        throw CaissonException.precondition(
            "container %s is %s; only a running container can be checkpointed",
            record.id(), container.isRemoved() ? "removed" : record.state().name().toLowerCase());
      }
      Optional<String> unusable = criu.unusableReason();
      if (unusable.isPresent()) {
        throw CaissonException.precondition(
            "CRIU cannot checkpoint on this host: %s", unusable.get());
      }
      Files.createDirectories(tmpDir);
      Path work = Files.createTempDirectory(tmpDir, WORK_PREFIX + record.id() + "-");
      try {
        dump(container, record, work, target, deadline);
      } finally {
        deleteQuietly(work);
      }
      LOG.info("container {} checkpointed to {}", record.id(), target);
    } finally {
      container.lock().unlock();
    }
  }

  private void dump(
      Container container,
      ContainerRecord record,
      Path work,
      Path target,
      CheckpointDeadline deadline)
      throws IOException {
    String id = record.id();
    Path staging = Files.createDirectory(work.resolve("archive"));
    Path criuWork = Files.createDirectory(work.resolve("criu"));
    Path images = Files.createDirectory(staging.resolve(CheckpointArchive.IMAGES));
    Runc runtime = container.runtime();
    deadline.check(id, "the dump");
    // Frozen from before CRIU dumps it until its writable layer is packed, as CRI-O does: files
    // the processes change after their memory was dumped would not match it (CRIU refuses to
    // restore an open file whose size changed). CRIU leaves a cgroup it found frozen frozen.
    runtime.pause(id);
    try {
      runtime.checkpoint(
          id, images, criuWork, new Runc.CheckpointOptions(true, true, true, deadline.remaining()));
      deadline.check(id, "packing the writable layer");
      Files.copy(
          Path.of(record.bundle()).resolve("config.json"),
          staging.resolve(CheckpointArchive.OCI_CONFIG));
      RootfsDiff.write(
          containers.writableLayer(container),
          staging.resolve(CheckpointArchive.ROOTFS_DIFF),
          () -> deadline.check(id, "the writable layer was packed"));
    } finally {
      // Also after a failed or killed dump, which may have left it frozen (by us or by CRIU;
      // Caisson never pauses a container otherwise).
      runtime.resumeIfPaused(id);
    }
    CheckpointArchive.writeMetadata(
        staging,
        CheckpointMetadata.of(
            id, record.imageRef(), record.imageId(), container.config(), EpochNanos.now()));
    // Where the temporary archive goes, for a restart after a crash to find it (see recover).
    Files.writeString(work.resolve(LOCATION), target.toString());
    CheckpointArchive.write(staging, target, () -> deadline.check(id, "the archive was written"));
  }

  /**
   * At start-up, after the containers are loaded: what checkpoints a crash of the daemon cut short
   * left behind goes (their work dirs hold a whole dump of memory, and a temporary archive may lie
   * beside the requested location), and a container one of them had frozen is thawed.
   *
   * @param running the running container of this id, if there is one
   */
  void recover(Function<String, Optional<Container>> running) {
    List<Path> works;
    try (Stream<Path> entries = Files.list(tmpDir)) {
      works = entries.filter(p -> p.getFileName().toString().startsWith(WORK_PREFIX)).toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", tmpDir, e.getMessage());
      return;
    }
    for (Path work : works) {
      String rest = work.getFileName().toString().substring(WORK_PREFIX.length());
      String id = rest.lastIndexOf('-') < 0 ? rest : rest.substring(0, rest.lastIndexOf('-'));
      running.apply(id).ifPresent(c -> c.runtime().resumeIfPaused(id));
      deletePartialArchive(work.resolve(LOCATION));
      LOG.warn("removing {}, left by a checkpoint of {} the daemon did not finish", work, id);
      deleteQuietly(work);
    }
  }

  /** The temporary file {@link CheckpointArchive#write} made beside {@code location}, if any. */
  private static void deletePartialArchive(Path locationFile) {
    try {
      Path location = Path.of(Files.readString(locationFile));
      String prefix = "." + location.getFileName() + ".";
      try (Stream<Path> siblings = Files.list(location.getParent())) {
        for (Path p : siblings.toList()) {
          String name = p.getFileName().toString();
          if (name.startsWith(prefix)
              && name.endsWith(".partial")
              && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
            LOG.warn("removed {}, a checkpoint archive the daemon did not finish", p);
          }
        }
      }
    } catch (NoSuchFileException e) {
      // Not as far as packing, or its directory is gone: nothing of ours there.
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot look for a partial archive from {}: {}", locationFile, e.getMessage());
    }
  }

  /** The archive path: absolute, in an existing directory, not itself a directory. */
  static Path archiveLocation(String location) {
    if (location.isEmpty()) {
      throw CaissonException.invalid("checkpoint location is required");
    }
    Path path = Path.of(location);
    if (!path.isAbsolute()) {
      throw CaissonException.invalid("checkpoint location %s must be an absolute path", location);
    }
    path = path.normalize();
    Path parent = path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw CaissonException.invalid(
          "checkpoint location %s: directory %s does not exist", location, parent);
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw CaissonException.invalid(
          "checkpoint location %s is a directory; it must name the archive file", location);
    }
    return path;
  }

  // ---- restore: CreateContainer from an archive ---------------------------------------------

  /** A CreateContainer whose image is a checkpoint archive. */
  record RestorePlan(Path archive, CheckpointMetadata metadata, ContainerConfig config) {}

  /**
   * A restore plan when {@code requested} names a checkpoint archive as its image.
   *
   * @param imagePresent whether an image of this full id is in the store
   */
  Optional<RestorePlan> restorePlan(ContainerConfig requested, Predicate<String> imagePresent)
      throws IOException {
    String image = requested.getImage().getImage();
    if (!CheckpointArchive.isArchivePath(image)) {
      return Optional.empty();
    }
    Path archive = Path.of(image);
    CheckpointMetadata metadata = CheckpointArchive.readMetadata(archive);
    return Optional.of(
        new RestorePlan(archive, metadata, merge(metadata, requested, imagePresent)));
  }

  /**
   * The config to create: the request's, as for any CreateContainer, with only the dumped
   * processes' own settings taken from the archive (command, args, env, working dir, tty and stdin:
   * CRIU gives the processes back as they were, whatever the config says) and the image its layer
   * diff was taken on. The archive is untrusted input (anyone who can write a file can name it), so
   * nothing that grants anything comes from it: security context, devices, CDI devices, annotations
   * (which select OCI hooks), labels, resources and mounts are the request's alone (CRI-O too takes
   * the security context and resources from the request). The request must mount something at every
   * checkpointed mount point (CRI-O's rule): the dumped processes had files open there, and an
   * archive never chooses a host path.
   *
   * @param imagePresent whether an image of this full id is in the store
   */
  static ContainerConfig merge(
      CheckpointMetadata metadata, ContainerConfig requested, Predicate<String> imagePresent) {
    ContainerConfig original = metadata.containerConfig();
    Set<String> mounted = new HashSet<>();
    for (Mount m : requested.getMountsList()) {
      mounted.add(Path.of(m.getContainerPath()).normalize().toString());
    }
    List<String> missing =
        original.getMountsList().stream()
            .map(Mount::getContainerPath)
            .filter(p -> !mounted.contains(Path.of(p).normalize().toString()))
            .toList();
    if (!missing.isEmpty()) {
      throw CaissonException.invalid(
          "the checkpointed container had mounts at %s; the request must mount something there"
              + " too",
          String.join(", ", missing));
    }
    return requested.toBuilder()
        .setImage(baseImage(metadata, imagePresent))
        .clearCommand()
        .addAllCommand(original.getCommandList())
        .clearArgs()
        .addAllArgs(original.getArgsList())
        .setWorkingDir(original.getWorkingDir())
        .clearEnvs()
        .addAllEnvs(original.getEnvsList())
        .setTty(original.getTty())
        .setStdin(original.getStdin())
        .setStdinOnce(original.getStdinOnce())
        .build();
  }

  /**
   * The image the layer diff applies to: the checkpointed container's by its id when the store has
   * it (a tag may have moved since, and the diff on another base is another filesystem), shown
   * under the name it had; by that name only when the id is unknown here.
   */
  private static ImageSpec baseImage(CheckpointMetadata metadata, Predicate<String> imagePresent) {
    String id = metadata.imageId();
    if (id != null && FULL_IMAGE_ID.matcher(id).matches() && imagePresent.test(id)) {
      return ImageSpec.newBuilder().setImage(id).setUserSpecifiedImage(metadata.imageRef()).build();
    }
    return ImageSpec.newBuilder().setImage(metadata.imageRef()).build();
  }

  /**
   * Unpacks the archive for a new container: the layer diff into its (still empty, unmounted) upper
   * dir, CRIU's images beside it for StartContainer. The caller's undo deletes the container's
   * storage, which holds both.
   */
  void unpack(RestorePlan plan, OverlayRootfs.Layer layer) throws IOException {
    Path restore = restoreDir(layer);
    Files.createDirectories(restore.getParent());
    // Root's alone: the dump holds the processes' memory and environment (secrets) until the start.
    Files.createDirectory(
        restore,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    CheckpointArchive.extract(plan.archive(), restore);
    if (!Files.isDirectory(restore.resolve(CheckpointArchive.IMAGES))) {
      throw CaissonException.invalid(
          "%s is not a checkpoint archive: it holds no %s/ directory",
          plan.archive(), CheckpointArchive.IMAGES);
    }
    Files.createDirectories(layer.upper());
    Path diff = restore.resolve(CheckpointArchive.ROOTFS_DIFF);
    if (Files.isRegularFile(diff)) {
      CheckpointArchive.requireNoSparseEntries(diff, plan.archive());
      try (InputStream in = Files.newInputStream(diff)) {
        LayerUnpacker.unpack(in, layer.upper());
      } catch (IOException e) {
        throw CaissonException.invalid(
            "%s: its %s cannot be applied: %s",
            plan.archive(), CheckpointArchive.ROOTFS_DIFF, e.getMessage());
      }
      Files.delete(diff);
    }
  }

  /** Whether the container was created from a checkpoint and waits for its restore. */
  boolean pendingRestore(OverlayRootfs.Layer layer) {
    return Files.isDirectory(restoreDir(layer).resolve(CheckpointArchive.IMAGES));
  }

  /**
   * StartContainer of a container created from a checkpoint: conmon runs {@code runc restore}, the
   * container is running when this returns, and the images are dropped. On failure they stay, so
   * the start can be tried again.
   */
  Conmon.Created restore(Runc runtime, ContainerLaunch launch, OverlayRootfs.Layer layer)
      throws IOException {
    Optional<String> unusable = criu.unusableReason();
    if (unusable.isPresent()) {
      throw CaissonException.precondition("CRIU cannot restore on this host: %s", unusable.get());
    }
    Conmon.Created created =
        conmon.restore(
            runtime, launch, restoreDir(layer).resolve(CheckpointArchive.IMAGES), RESTORE_OPTS);
    discardRestore(layer);
    return created;
  }

  /** Drops a pending restore's images (after the restore, or when the container is stopped). */
  void discardRestore(OverlayRootfs.Layer layer) {
    deleteQuietly(restoreDir(layer));
  }

  private static Path restoreDir(OverlayRootfs.Layer layer) {
    return layer.upper().resolveSibling(RESTORE_DIR);
  }

  private static void deleteQuietly(Path dir) {
    try {
      RecordStore.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", dir, e.getMessage());
    }
  }
}
