package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodCgroupsTest {
  @Test
  void everyCgroupMountIsAHierarchyWhateverItsOptionsAndNothingElseIs() {
    List<String> mountinfo =
        List.of(
            "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw",
            "25 22 0:23 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "26 25 0:24 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu",
            "27 25 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd",
            "28 25 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
            "29 1 0:27 / /mnt/odd\\040dir rw - cgroup2 none rw",
            "30 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw");
    assertThat(PodCgroups.hierarchies(mountinfo))
        .containsExactly(
            Path.of("/sys/fs/cgroup/cpu"),
            Path.of("/sys/fs/cgroup/systemd"),
            Path.of("/sys/fs/cgroup/unified"),
            Path.of("/mnt/odd dir"));
  }
}
