package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.HugepageLimit;
import io.caisson.linux.CgroupHierarchies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks hugepage limits against the node before runc sees them: runc reports a page size the
 * kernel lacks, or a missing hugetlb controller, only as "container could not join or create
 * cgroup". kubelet sends a limit for every page size the node has, 0 where the pod asked for none.
 */
final class HugePages {
  private static final Path SIZES = Path.of("/sys/kernel/mm/hugepages");
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");

  private HugePages() {}

  /**
   * The limits to hand to runc: all of them when the node can enforce them; none when it has no
   * hugetlb controller and every limit is 0 (nothing to enforce); otherwise INVALID_ARGUMENT.
   */
  static List<HugepageLimit> checked(List<HugepageLimit> limits) {
    if (limits.isEmpty()) {
      return limits;
    }
    Set<String> sizes = nodeSizes();
    for (HugepageLimit limit : limits) {
      if (!sizes.contains(limit.getPageSize())) {
        throw CaissonException.invalid(
            "hugepage size '%s' is not one this node has (it has %s)", limit.getPageSize(), sizes);
      }
    }
    if (controllerAvailable()) {
      return limits;
    }
    if (limits.stream().allMatch(l -> l.getLimit() == 0)) {
      return List.of();
    }
    throw CaissonException.invalid(
        "hugepage limits requested, but this node has no hugetlb cgroup controller");
  }

  /** Page sizes as kubelet names them ("2MB", "1GB"), from /sys/kernel/mm/hugepages. */
  static Set<String> nodeSizes() {
    Set<String> sizes = new TreeSet<>();
    if (!Files.isDirectory(SIZES)) {
      return sizes;
    }
    try (Stream<Path> entries = Files.list(SIZES)) {
      entries
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("hugepages-") && n.endsWith("kB"))
          .map(n -> Long.parseLong(n.substring("hugepages-".length(), n.length() - 2)))
          .forEach(kib -> sizes.add(name(kib)));
    } catch (IOException | NumberFormatException e) {
      return sizes;
    }
    return sizes;
  }

  static String name(long kib) {
    if (kib % (1024 * 1024) == 0) {
      return kib / (1024 * 1024) + "GB";
    }
    if (kib % 1024 == 0) {
      return kib / 1024 + "MB";
    }
    return kib + "KB";
  }

  private static boolean controllerAvailable() {
    try {
      if (CgroupHierarchies.unified(CGROUP)) {
        String controllers = Files.readString(CGROUP.resolve("cgroup.controllers"));
        return Set.of(controllers.strip().split("\\s+")).contains("hugetlb");
      }
    } catch (IOException e) {
      return false;
    }
    return Files.isDirectory(CGROUP.resolve("hugetlb"));
  }
}
