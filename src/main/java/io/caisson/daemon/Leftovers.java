package io.caisson.daemon;

import io.caisson.common.CaissonException;
import io.caisson.linux.MountTable;
import io.caisson.oci.Conmon;
import io.caisson.oci.OciRuntimes;
import io.caisson.oci.Runc;
import io.caisson.oci.RuncState;
import io.caisson.storage.OverlayRootfs;
import io.caisson.store.RecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a crash can leave with no record to own it, swept once at start after the managers loaded
 * their records: runc containers whose bundle is one of ours, overlay and namespace mounts under
 * our state dir, bundle and writable-layer dirs. Ownership is decided by path, never by runc id
 * alone, because several daemons (and tests) may share one runc root. The runc roots listed are
 * those of the runtimes in use and every other one the {@link RuntimeLedger} names; a root of a
 * runtime no longer in use leaves the ledger once nothing of ours is left under it.
 */
final class Leftovers {
  private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);

  private final Path root;
  private final Path state;
  private final OciRuntimes runtimes;
  private final Conmon conmon;
  private final RuntimeLedger ledger;

  Leftovers(Path root, Path state, OciRuntimes runtimes, Conmon conmon, RuntimeLedger ledger) {
    this.root = root.toAbsolutePath().normalize();
    this.state = state.toAbsolutePath().normalize();
    this.runtimes = runtimes;
    this.conmon = conmon;
    this.ledger = ledger;
  }

  /** What a sweep of one runc root did. */
  private record Swept(int cleaned, boolean nothingOfOursLeft) {}

  /** Directories of per-object volatile state: one child per container or pod id. */
  private List<Path> stateDirs() {
    return List.of(state.resolve("containers"), state.resolve("infra"), state.resolve("sandboxes"));
  }

  /** Directories of per-object durable data: one child per container or pod id. */
  private List<Path> dataDirs() {
    return List.of(root.resolve("containers-storage"), root.resolve("infra-storage"));
  }

  /** Sweeps; returns how many objects were cleaned up. */
  int sweep() throws IOException {
    Set<String> known = new HashSet<>();
    known.addAll(children(root.resolve("containers")));
    known.addAll(children(root.resolve("sandboxes")));
    int cleaned = 0;
    Set<Path> listed = new HashSet<>();
    for (Runc runtime : runtimes.byRoot()) {
      cleaned += orphanRuntimeContainers(runtime, known).cleaned();
      listed.add(runtime.root());
    }
    List<RuntimeLedger.Entry> keep =
        new ArrayList<>(runtimes.inUse().stream().map(RuntimeLedger.Entry::of).toList());
    for (RuntimeLedger.Entry entry : ledger.entries()) {
      if (listed.add(Path.of(entry.root()))) {
        Swept swept =
            orphanRuntimeContainers(
                runtimes.unconfigured(Path.of(entry.binary()), Path.of(entry.root())), known);
        cleaned += swept.cleaned();
        if (!swept.nothingOfOursLeft()) {
          keep.add(entry);
        }
      }
    }
    ledger.retainOnly(keep);
    cleaned += orphanMounts(known);
    cleaned += orphanDirs(known);
    if (cleaned > 0) {
      LOG.warn("cleaned up {} leftovers of an earlier run", cleaned);
    }
    return cleaned;
  }

  private Swept orphanRuntimeContainers(Runc runtime, Set<String> known) {
    List<RuncState> all;
    try {
      all = runtime.list();
    } catch (CaissonException e) {
      LOG.warn(
          "cannot list the containers of {} (root {}), its orphans are not swept: {}",
          runtime.binary(),
          runtime.root(),
          e.getMessage());
      return new Swept(0, false);
    }
    int cleaned = 0;
    boolean left = false;
    for (RuncState container : all) {
      if (container.bundle() == null) {
        continue;
      }
      Path bundle = Path.of(container.bundle()).toAbsolutePath().normalize();
      if (stateDirs().stream().noneMatch(dir -> bundle.getParent().equals(dir))) {
        continue; // Another daemon's, or nobody's we know of: not ours to kill.
      }
      if (known.contains(container.id())) {
        left = true;
        continue;
      }
      LOG.warn(
          "runc container {} ({}) has no record: killing and deleting it",
          container.id(),
          container.status());
      try {
        runtime.delete(container.id(), true);
      } catch (CaissonException e) {
        LOG.warn("runc delete {}: {}", container.id(), e.getMessage());
        left = true;
      }
      try {
        conmon.cleanup(container.id());
      } catch (CaissonException e) {
        LOG.warn("conmon files of {}: {}", container.id(), e.getMessage());
      }
      cleaned++;
    }
    return new Swept(cleaned, !left);
  }

  private int orphanMounts(Set<String> known) throws IOException {
    List<Path> orphans = new ArrayList<>();
    for (Path point : mountPoints()) {
      for (Path dir : stateDirs()) {
        if (point.startsWith(dir)
            && point.getNameCount() > dir.getNameCount()
            && !known.contains(point.getName(dir.getNameCount()).toString())) {
          orphans.add(point);
        }
      }
    }
    // Deepest first, so a mount on top of another comes off before the one below.
    orphans.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path point : orphans) {
      LOG.warn("mount {} has no owner: unmounting it", point);
      OverlayRootfs.unmount(point);
    }
    return orphans.size();
  }

  private int orphanDirs(Set<String> known) throws IOException {
    int cleaned = 0;
    List<Path> mounted = mountPoints();
    for (Path dir : Stream.concat(stateDirs().stream(), dataDirs().stream()).toList()) {
      for (String id : children(dir)) {
        if (known.contains(id)) {
          continue;
        }
        Path orphan = dir.resolve(id);
        if (mounted.stream().anyMatch(p -> p.startsWith(orphan))) {
          // Never delete through a mount we could not take off: that would delete its content.
          LOG.warn("{} has no owner but is still mounted; leaving it", orphan);
          continue;
        }
        LOG.warn("{} has no owner: deleting it", orphan);
        RecordStore.deleteTree(orphan);
        cleaned++;
      }
    }
    return cleaned;
  }

  private static List<String> children(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .map(p -> p.getFileName().toString())
          .toList();
    }
  }

  /** Mount points of this mount namespace, with mountinfo's octal escapes decoded. */
  static List<Path> mountPoints() throws IOException {
    return MountTable.ofThisProcess().mounts().stream().map(MountTable.Mount::mountPoint).toList();
  }
}
