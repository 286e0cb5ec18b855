package io.caisson.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ContainerMetadata;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.KeyValue;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointArchiveTest {
  @TempDir Path dir;

  private static ContainerConfig config() {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName("counter").setAttempt(2))
        .setImage(ImageSpec.newBuilder().setImage("registry.local/busybox:1"))
        .addAllCommand(List.of("sh", "-c"))
        .addArgs("while true; do sleep 1; done")
        .setWorkingDir("/work")
        .addEnvs(KeyValue.newBuilder().setKey("A").setValue("x=y"))
        .addMounts(
            Mount.newBuilder()
                .setContainerPath("/data")
                .setHostPath("/srv/data")
                .setReadonly(true)
                .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
        .putLabels("app", "count")
        .putAnnotations("note", "kept")
        .setTty(true)
        .build();
  }

  private static CheckpointMetadata metadata() {
    return CheckpointMetadata.of("c0ffee", "registry.local/busybox:1", "sha256:ab", config(), 42);
  }

  private Path staging(CheckpointMetadata metadata) throws IOException {
    Path staging = Files.createDirectories(dir.resolve("staging"));
    Path images = Files.createDirectories(staging.resolve(CheckpointArchive.IMAGES));
    Files.writeString(images.resolve("inventory.img"), "inventory");
    Files.write(images.resolve("pages-1.img"), new byte[100_000]);
    Files.writeString(staging.resolve(CheckpointArchive.OCI_CONFIG), "{\"ociVersion\":\"1.0.2\"}");
    Files.writeString(staging.resolve(CheckpointArchive.ROOTFS_DIFF), "not really a tar");
    if (metadata != null) {
      CheckpointArchive.writeMetadata(staging, metadata);
    }
    return staging;
  }

  @Test
  void metadataAndMembersSurviveTheRoundTrip() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path archive = out.resolve("ckpt.tar");
    CheckpointArchive.write(staging(metadata()), archive);

    try (Stream<Path> files = Files.list(out)) {
      assertThat(files).containsExactly(archive); // no temporary file beside it
    }
    CheckpointMetadata read = CheckpointArchive.readMetadata(archive);
    assertThat(read).isEqualTo(metadata());
    assertThat(read.containerConfig()).isEqualTo(config());
    assertThat(read.env()).containsExactly("A=x=y");
    assertThat(read.mounts())
        .containsExactly(
            new CheckpointMetadata.MountInfo(
                "/data", "/srv/data", true, "PROPAGATION_HOST_TO_CONTAINER"));
    assertThat(CheckpointArchive.isArchivePath(archive.toString())).isTrue();
    assertThat(CheckpointArchive.isArchivePath("registry.local/busybox:1")).isFalse();

    Path target = Files.createDirectories(dir.resolve("extracted"));
    CheckpointArchive.extract(archive, target);
    assertThat(target.resolve("checkpoint/inventory.img")).hasContent("inventory");
    assertThat(Files.size(target.resolve("checkpoint/pages-1.img"))).isEqualTo(100_000);
    assertThat(target.resolve("config.json")).hasContent("{\"ociVersion\":\"1.0.2\"}");
    assertThat(target.resolve("rootfs-diff.tar")).hasContent("not really a tar");
  }

  @Test
  void configIsRebuiltFromTheReadableFieldsWithoutTheProtobuf() {
    CheckpointMetadata m = metadata();
    CheckpointMetadata readable =
        new CheckpointMetadata(
            m.version(),
            m.containerId(),
            m.name(),
            m.attempt(),
            m.imageRef(),
            m.imageId(),
            m.command(),
            m.args(),
            m.workingDir(),
            m.env(),
            m.mounts(),
            m.labels(),
            m.annotations(),
            m.tty(),
            m.stdin(),
            m.stdinOnce(),
            m.checkpointedAtNanos(),
            null);
    assertThat(readable.containerConfig()).isEqualTo(config());
  }

  @Test
  void writingWithoutMetadataLeavesNothingBehind() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    assertThatThrownBy(() -> CheckpointArchive.write(staging(null), out.resolve("ckpt.tar")))
        .isInstanceOf(IOException.class);
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aWriteStoppedByItsCheckLeavesNothing() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path staging = staging(metadata());
    for (int stopAt : List.of(1, 3, 5, 6)) {
      int[] calls = {0};
      Runnable check =
          () -> {
            if (++calls[0] == stopAt) {
              throw new IllegalStateException("deadline passed");
            }
          };
      assertThatThrownBy(() -> CheckpointArchive.write(staging, out.resolve("ckpt.tar"), check))
          .hasMessage("deadline passed");
      try (Stream<Path> files = Files.list(out)) {
        assertThat(files).as("stopped at check %d", stopAt).isEmpty();
      }
    }
  }

  @Test
  void anArchiveWithoutMetadataIsRefused() throws Exception {
    Path archive = tar(dir.resolve("plain.tar"), tar -> file(tar, "checkpoint/inventory.img", "x"));
    assertInvalid(() -> CheckpointArchive.readMetadata(archive), "holds no caisson-metadata.json");
    Path target = Files.createDirectories(dir.resolve("t"));
    assertInvalid(() -> CheckpointArchive.extract(archive, target), "holds no");
  }

  @Test
  void aFileThatIsNoTarIsRefused() throws Exception {
    Path notTar = dir.resolve("random.bin");
    Files.write(notTar, "this is certainly not a tar archive at all".repeat(40).getBytes());
    assertThatThrownBy(() -> CheckpointArchive.readMetadata(notTar))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT));
  }

  @Test
  void entriesLeavingTheTargetAreRefused() throws Exception {
    for (String bad : List.of("../escaped", "checkpoint/../../escaped", "/tmp/escaped")) {
      Path archive =
          tar(
              dir.resolve("bad.tar"),
              tar -> {
                metadataEntry(tar);
                file(tar, bad, "boom");
              });
      Path target = Files.createDirectories(dir.resolve("target"));
      assertInvalid(() -> CheckpointArchive.extract(archive, target), bad);
      assertThat(dir.resolve("escaped")).doesNotExist();
      assertThat(Path.of("/tmp/escaped")).doesNotExist();
      deleteTree(target);
    }
  }

  @Test
  void linksAndDevicesAreRefused() throws Exception {
    record Bad(String name, byte flag, String link) {}
    for (Bad bad :
        List.of(
            new Bad("checkpoint/link", TarArchiveEntry.LF_SYMLINK, "/etc/passwd"),
            new Bad("checkpoint/hard", TarArchiveEntry.LF_LINK, "caisson-metadata.json"),
            new Bad("checkpoint/dev", TarArchiveEntry.LF_CHR, ""))) {
      Path archive =
          tar(
              dir.resolve("links.tar"),
              tar -> {
                metadataEntry(tar);
                TarArchiveEntry e = new TarArchiveEntry(bad.name(), bad.flag());
                e.setLinkName(bad.link());
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                file(tar, "checkpoint/after", "x");
              });
      Path target = Files.createDirectories(dir.resolve("target"));
      assertInvalid(() -> CheckpointArchive.extract(archive, target), bad.name());
      assertThat(target.resolve(bad.name())).doesNotExist();
      assertThat(target.resolve("checkpoint/after")).doesNotExist();
      deleteTree(target);
    }
  }

  @Test
  void whatIsExtractedIsRootsAlone() throws Exception {
    Path archive = dir.resolve("ckpt.tar");
    CheckpointArchive.write(staging(metadata()), archive);
    Path target = Files.createDirectories(dir.resolve("extracted"));
    CheckpointArchive.extract(archive, target);
    // The memory pages and the environment (secrets) of the dumped processes.
    assertThat(mode(target.resolve("checkpoint"))).isEqualTo("rwx------");
    assertThat(mode(target.resolve("checkpoint/pages-1.img"))).isEqualTo("rw-------");
    assertThat(mode(target.resolve(CheckpointArchive.METADATA))).isEqualTo("rw-------");
    assertThat(mode(target.resolve(CheckpointArchive.OCI_CONFIG))).isEqualTo("rw-------");
  }

  @Test
  void aSparseEntryIsRefusedBeforeItExpands() throws Exception {
    // 3 KiB of archive that commons-compress would expand to a 1 GiB file of zeros.
    Path archive =
        tar(
            dir.resolve("sparse.tar"),
            tar -> {
              metadataEntry(tar);
              sparseBomb(tar, "checkpoint/pages-1.img");
            });
    assertThat(Files.size(archive)).isLessThan(8 << 10);
    Path target = Files.createDirectories(dir.resolve("target"));
    assertInvalid(() -> CheckpointArchive.extract(archive, target), "sparse");
    assertThat(target.resolve("checkpoint/pages-1.img")).doesNotExist();

    // The same inside the layer diff, which layer unpacking would expand.
    Path diff = tar(dir.resolve("diff.tar"), tar -> sparseBomb(tar, "big"));
    assertInvalid(() -> CheckpointArchive.requireNoSparseEntries(diff, archive), "big");
    Path plain = tar(dir.resolve("plain-diff.tar"), tar -> file(tar, "etc/motd", "hi"));
    CheckpointArchive.requireNoSparseEntries(plain, archive);
  }

  @Test
  void aMemberTwiceIsRefusedAsABadArchive() throws Exception {
    Path archive =
        tar(
            dir.resolve("twice.tar"),
            tar -> {
              metadataEntry(tar);
              file(tar, "checkpoint/inventory.img", "one");
              file(tar, "checkpoint/inventory.img", "two");
            });
    Path target = Files.createDirectories(dir.resolve("target"));
    assertInvalid(() -> CheckpointArchive.extract(archive, target), "appears twice");
    Path under =
        tar(
            dir.resolve("under.tar"),
            tar -> {
              metadataEntry(tar);
              file(tar, "checkpoint", "a file");
              file(tar, "checkpoint/inventory.img", "under a file");
            });
    Path target2 = Files.createDirectories(dir.resolve("target2"));
    assertInvalid(() -> CheckpointArchive.extract(under, target2), "checkpoint/inventory.img");
  }

  @Test
  void aNewerFormatIsRefused() throws Exception {
    Path archive =
        tar(
            dir.resolve("future.tar"),
            tar ->
                file(
                    tar,
                    CheckpointArchive.METADATA,
                    "{\"version\": 99, \"imageRef\": \"x\", \"future\": true}"));
    assertInvalid(() -> CheckpointArchive.readMetadata(archive), "version 99");
  }

  // ---- helpers ------------------------------------------------------------------------------

  interface TarBody {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private static Path tar(Path file, TarBody body) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      body.write(tar);
      tar.finish();
    }
    return file;
  }

  private static void metadataEntry(TarArchiveOutputStream tar) throws IOException {
    file(tar, CheckpointArchive.METADATA, "{\"version\": 1, \"imageRef\": \"busybox\"}");
  }

  private static void file(TarArchiveOutputStream tar, String name, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(bytes.length);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /**
   * A PAX 0.1 sparse entry (GNU tar's format) of one stored byte at the end of a 1 GiB file: the
   * extended header is written by hand, as commons-compress writes no sparse entries.
   */
  private static void sparseBomb(TarArchiveOutputStream tar, String name) throws IOException {
    byte[] pax =
        (paxRecord("GNU.sparse.size", String.valueOf(1L << 30))
                + paxRecord("GNU.sparse.numblocks", "1")
                + paxRecord("GNU.sparse.map", ((1L << 30) - 1) + ",1"))
            .getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry header =
        new TarArchiveEntry("PaxHeaders/" + name, TarArchiveEntry.LF_PAX_EXTENDED_HEADER_LC);
    header.setSize(pax.length);
    tar.putArchiveEntry(header);
    tar.write(pax);
    tar.closeArchiveEntry();
    file(tar, name, "x");
  }

  /** One "LENGTH key=value\n" record, LENGTH counting itself. */
  private static String paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int length = body.length() + String.valueOf(body.length()).length();
    if (String.valueOf(length).length() > String.valueOf(body.length()).length()) {
      length++;
    }
    return length + body;
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  interface Call {
    void run() throws Exception;
  }

  private static void assertInvalid(Call call, String fragment) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains(fragment);
            });
  }

  private static void deleteTree(Path p) throws IOException {
    io.caisson.store.RecordStore.deleteTree(p);
  }
}
