package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.testing.FakeCgroupRoots;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultCgroupParentTest {
  @TempDir Path root;

  @Test
  void v1RemovesTheEmptyParentFromEachHierarchyAndKeepsOneWithAContainerBelow() throws Exception {
    FakeCgroupRoots.v1(root);

    assertThat(DefaultCgroupParent.removeIfEmpty(root)).isEqualTo(1);
    assertThat(root.resolve("memory/caisson")).doesNotExist();
    assertThat(root.resolve("pids/caisson/running-container")).isDirectory();
  }

  @Test
  void v2HasOneHierarchy() throws Exception {
    FakeCgroupRoots.v2(root);
    Files.createDirectories(root.resolve("kubepods"));

    assertThat(DefaultCgroupParent.removeIfEmpty(root)).isEqualTo(1);
    assertThat(root.resolve("caisson")).doesNotExist();
    assertThat(root.resolve("kubepods")).isDirectory();
  }

  @Test
  void nothingToRemoveWhenNoContainerEverUsedTheParent() throws Exception {
    Files.createDirectories(root.resolve("memory"));
    assertThat(DefaultCgroupParent.removeIfEmpty(root)).isZero();
  }
}
