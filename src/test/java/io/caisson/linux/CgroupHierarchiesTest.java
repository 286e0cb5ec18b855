package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.testing.FakeCgroupRoots;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupHierarchiesTest {
  @TempDir Path root;

  @Test
  void v1HasADirectoryPerHierarchyAndItsLinksAreSkipped() throws Exception {
    FakeCgroupRoots.v1(root);

    assertThat(CgroupHierarchies.unified(root)).isFalse();
    assertThat(CgroupHierarchies.of(root))
        .containsExactly(root.resolve("cpu"), root.resolve("memory"), root.resolve("pids"));
  }

  @Test
  void v2HasOneHierarchy() throws Exception {
    FakeCgroupRoots.v2(root);

    assertThat(CgroupHierarchies.unified(root)).isTrue();
    assertThat(CgroupHierarchies.of(root)).containsExactly(root);
  }
}
