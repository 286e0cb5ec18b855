package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.container.DeclaredVolumes.Mode;
import io.caisson.container.DeclaredVolumes.Owner;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Mount;
import io.caisson.oci.OciSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeclaredVolumesTest {
  private static final ContainerConfig CONFIG =
      ContainerConfig.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage("example.com/db:1"))
          .addMounts(Mount.newBuilder().setContainerPath("/var/lib/pvc/").setHostPath("/srv/pvc"))
          .build();

  @TempDir Path dir;
  private Path rootfs;
  private Path volumes;

  @BeforeEach
  void image() throws Exception {
    rootfs = Files.createDirectories(dir.resolve("rootfs"));
    volumes = dir.resolve("layer/volumes");
    Path seeded = Files.createDirectories(rootfs.resolve("var/lib/seeded"));
    Files.writeString(seeded.resolve("seed"), "from the image");
    Files.setPosixFilePermissions(seeded, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(rootfs.resolve("linked"), Path.of("/var/lib/seeded"));
    Files.writeString(rootfs.resolve("a-file"), "not a directory");
    Files.createSymbolicLink(rootfs.resolve("to-root"), Path.of("../.."));
    Files.createDirectories(rootfs.resolve("var/lib/pvc"));
  }

  @Test
  void copyGivesEachVolumeADirectoryOfItsOwnWithTheImagesContent() throws Exception {
    List<OciSpec.Mount> mounts =
        DeclaredVolumes.prepare(
            Mode.COPY,
            List.of("/var/lib/seeded", "/absent/deep/", "/var/lib/pvc", "linked"),
            CONFIG,
            rootfs,
            volumes,
            new Owner(100000, 100001));

    assertThat(mounts)
        .containsExactly(
            bind("/var/lib/seeded", volumes.resolve("0")),
            bind("/absent/deep", volumes.resolve("1")),
            // Through the image's own link, to the image's directory: a copy of the same content.
            bind("/linked", volumes.resolve("2")));
    assertThat(Files.readString(volumes.resolve("0/seed"))).isEqualTo("from the image");
    assertThat(Files.readString(volumes.resolve("2/seed"))).isEqualTo("from the image");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(volumes.resolve("0"))))
        .isEqualTo("rwx------");
    // Nothing in the image there: an empty directory of the container's root.
    assertThat(volumes.resolve("1")).isEmptyDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(volumes.resolve("1"))))
        .isEqualTo("rwxr-xr-x");
    if ("root".equals(System.getProperty("user.name"))) {
      assertThat(Files.getAttribute(volumes.resolve("1"), "unix:uid")).isEqualTo(100000);
      assertThat(Files.getAttribute(volumes.resolve("1"), "unix:gid")).isEqualTo(100001);
    }
    // The rootfs itself is left as the image has it.
    assertThat(rootfs.resolve("absent")).doesNotExist();
  }

  @Test
  void mkdirMakesWhatTheImageLacksInTheRootfsAndMountsNothing() throws Exception {
    List<OciSpec.Mount> mounts =
        DeclaredVolumes.prepare(
            Mode.MKDIR,
            List.of("/var/lib/seeded", "/absent/deep", "/linked/sub"),
            CONFIG,
            rootfs,
            volumes,
            Owner.ROOT);

    assertThat(mounts).isEmpty();
    assertThat(rootfs.resolve("absent/deep")).isEmptyDirectory();
    assertThat(rootfs.resolve("var/lib/seeded/sub")).isEmptyDirectory();
    assertThat(rootfs.resolve("var/lib/seeded/seed")).hasContent("from the image");
    assertThat(volumes).doesNotExist();
  }

  @Test
  void ignoreDoesNothing() throws Exception {
    assertThat(
            DeclaredVolumes.prepare(
                Mode.IGNORE,
                List.of("/absent", "/a-file", "/"),
                CONFIG,
                rootfs,
                volumes,
                Owner.ROOT))
        .isEmpty();
    assertThat(rootfs.resolve("absent")).doesNotExist();
    assertThat(volumes).doesNotExist();
  }

  @Test
  void aVolumeThatIsNoDirectoryOrTheRootIsRefusedNamingIt() {
    for (Mode mode : List.of(Mode.COPY, Mode.MKDIR)) {
      assertThatThrownBy(
              () ->
                  DeclaredVolumes.prepare(
                      mode, List.of("/a-file"), CONFIG, rootfs, volumes, Owner.ROOT))
          .isInstanceOf(CaissonException.class)
          .hasMessage(
              "image example.com/db:1 declares volume /a-file, which is not a directory in the"
                  + " image");
      assertThatThrownBy(
              () ->
                  DeclaredVolumes.prepare(
                      mode, List.of("/./"), CONFIG, rootfs, volumes, Owner.ROOT))
          .isInstanceOf(CaissonException.class)
          .hasMessage("image example.com/db:1 declares the root directory as a volume");
      assertThatThrownBy(
              () ->
                  DeclaredVolumes.prepare(
                      mode, List.of("/to-root"), CONFIG, rootfs, volumes, Owner.ROOT))
          .isInstanceOf(CaissonException.class)
          .hasMessage(
              "image example.com/db:1 declares volume /to-root, a link to the root directory");
    }
  }

  @Test
  void modesAreTheConfigsWords() {
    assertThat(Mode.of("copy")).isEqualTo(Mode.COPY);
    assertThat(Mode.of("mkdir")).isEqualTo(Mode.MKDIR);
    assertThat(Mode.of("ignore")).isEqualTo(Mode.IGNORE);
  }

  private static OciSpec.Mount bind(String destination, Path source) {
    return new OciSpec.Mount(
        destination, "bind", source.toString(), List.of("rbind", "rprivate", "rw"));
  }
}
