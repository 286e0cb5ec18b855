package io.caisson.bench;

import io.caisson.linux.CgroupHierarchies;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The pod cgroups kubelet would make with the cgroupfs driver: one directory per pod under a root
 * of this run's own ({@code /caisson-bench-RUN/podUID}), in every cgroup hierarchy of the node,
 * created before RunPodSandbox and removed once the pod is gone. Runtimes put the pod's containers
 * beneath it, and some need it for pod stats (containerd 1.6 fails ListPodSandboxStats for a pod
 * without one).
 */
final class PodCgroups {
  private final String root;
  private final List<Path> hierarchies;

  /**
   * @param run a name for this run's root, unique among concurrent benches
   */
  PodCgroups(String run) throws IOException {
    this.root = "/caisson-bench-" + run;
    this.hierarchies = CgroupHierarchies.of(Path.of("/sys/fs/cgroup"));
  }

  /** The cgroup parent to give a pod, as CRI's {@code linux.cgroup_parent}. */
  String parentFor(String podUid) {
    return root + "/pod" + podUid.replace("-", "_");
  }

  /** Creates the pod's cgroup in every hierarchy, as kubelet does before RunPodSandbox. */
  void create(String parent) throws IOException {
    for (Path hierarchy : hierarchies) {
      Files.createDirectories(hierarchy.resolve(parent.substring(1)));
    }
  }

  /**
   * Removes the pod's cgroup wherever it is empty by now.
   *
   * @return false when a runtime still has something in it (a container it did not remove yet)
   */
  boolean remove(String parent) {
    boolean all = true;
    for (Path hierarchy : hierarchies) {
      all &= removeTree(hierarchy.resolve(parent.substring(1)));
    }
    return all;
  }

  /** Removes this run's root (and any pod cgroup left in it) in every hierarchy. */
  boolean removeAll() {
    boolean all = true;
    for (Path hierarchy : hierarchies) {
      all &= removeTree(hierarchy.resolve(root.substring(1)));
    }
    return all;
  }

  /** rmdir, deepest first: a cgroup directory cannot be deleted with its files, only emptied. */
  private static boolean removeTree(Path dir) {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      for (Path p : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
      return true;
    } catch (NoSuchFileException e) {
      return true;
    } catch (DirectoryNotEmptyException e) {
      return false;
    } catch (IOException e) {
      // EBUSY: a process is still in it.
      return false;
    }
  }
}
