package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirUsageTest {
  @TempDir Path root;

  @Test
  void countsBlocksAndInodesOnceAndDoesNotFollowLinks() throws Exception {
    Path tree = Files.createDirectories(root.resolve("tree/sub"));
    Files.write(tree.resolve("data"), new byte[64 * 1024]);
    Files.createLink(tree.resolve("hardlink"), tree.resolve("data"));
    Path outside = Files.createDirectories(root.resolve("outside"));
    Files.write(outside.resolve("big"), new byte[1024 * 1024]);
    Files.createSymbolicLink(tree.resolve("link"), outside);

    DirUsage usage = DirUsage.of(root.resolve("tree"));

    // tree, sub, data (hard link counted once), the symlink itself.
    assertThat(usage.inodes()).isEqualTo(4);
    assertThat(usage.bytes()).isGreaterThanOrEqualTo(64 * 1024).isLessThan(128 * 1024);
  }

  /** A 4 GiB sparse file holding one page takes a page, as du says; kubelet evicts on this. */
  @Test
  void aSparseFileCountsTheBlocksItTakesNotItsSize() throws Exception {
    Path tree = Files.createDirectories(root.resolve("sparse"));
    try (var file =
        java.nio.channels.FileChannel.open(
            tree.resolve("holey"),
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE)) {
      file.write(java.nio.ByteBuffer.wrap(new byte[4096]), 4L << 30);
    }

    DirUsage usage = DirUsage.of(tree);

    assertThat(Files.size(tree.resolve("holey"))).isGreaterThan(4L << 30);
    assertThat(usage.inodes()).isEqualTo(2);
    assertThat(usage.bytes()).isGreaterThan(0).isLessThan(1 << 20);
  }

  @Test
  void skippedSubtreesAreLeftOut() throws Exception {
    Path tree = Files.createDirectories(root.resolve("tree/layer"));
    Files.write(tree.resolve("data"), new byte[64 * 1024]);
    Files.createDirectories(root.resolve("tree/other"));

    DirUsage usage = DirUsage.of(root.resolve("tree"), java.util.Set.of(tree));

    assertThat(usage.inodes()).as("tree and other").isEqualTo(2);
    assertThat(usage.bytes()).isLessThan(64 * 1024);
  }

  @Test
  void absentTreeIsEmpty() throws Exception {
    assertThat(DirUsage.of(root.resolve("gone"))).isEqualTo(new DirUsage(0, 0));
  }
}
