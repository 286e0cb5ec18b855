package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupHierarchiesTest {
  @TempDir Path root;

  @Test
  void v1HasADirectoryPerHierarchyAndItsLinksAreSkipped() throws Exception {
    Files.createDirectories(root.resolve("memory/caisson"));
    Files.createDirectories(root.resolve("pids/caisson/running-container"));
    Files.createDirectories(root.resolve("cpu"));
    Files.createSymbolicLink(root.resolve("cpu,cpuacct"), root.resolve("cpu"));

    assertThat(CgroupHierarchies.unified(root)).isFalse();
    assertThat(CgroupHierarchies.of(root))
        .containsExactly(root.resolve("cpu"), root.resolve("memory"), root.resolve("pids"));
  }

  @Test
  void v2HasOneHierarchy() throws Exception {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Files.createDirectories(root.resolve("caisson"));

    assertThat(CgroupHierarchies.unified(root)).isTrue();
    assertThat(CgroupHierarchies.of(root)).containsExactly(root);
  }
}
