package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.Device;
import io.caisson.linux.Syscalls;
import io.caisson.oci.OciSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host device lookup on the real /dev and on device nodes made in a scratch directory (root). */
class HostDevicesTest {
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  @TempDir Path dir;

  @Test
  void splitsDevTheWayGlibcEncodesIt() {
    assertThat(HostDevices.major(0x103)).isEqualTo(1);
    assertThat(HostDevices.minor(0x103)).isEqualTo(3);
    // makedev(259, 300000): the high bits of both numbers live above bit 20 and 32
    long rdev =
        (259L & 0xfff) << 8 | (259L & ~0xfffL) << 32 | (300000L & 0xff) | (300000L & ~0xffL) << 12;
    assertThat(HostDevices.major(rdev)).isEqualTo(259);
    assertThat(HostDevices.minor(rdev)).isEqualTo(300000);
  }

  @Test
  void aRequestedDeviceKeepsTheHostNodesNumbersModeAndOwner() {
    List<HostDevices.Granted> granted =
        HostDevices.requested(
            List.of(device("/dev/null", "/dev/mynull", "rw"), device("/dev/zero", "", "")));
    assertThat(granted)
        .containsExactly(
            new HostDevices.Granted(
                new OciSpec.Device("/dev/mynull", "c", 1, 3, 0666, 0L, 0L), "rw"),
            new HostDevices.Granted(
                new OciSpec.Device("/dev/zero", "c", 1, 5, 0666, 0L, 0L), "rwm"));
  }

  @Test
  void aDirectoryGivesEveryDeviceBelowItAndALinkIsFollowed() throws Exception {
    Path gpus = Files.createDirectories(dir.resolve("gpus/sub"));
    Syscalls.mknod(gpus.getParent().resolve("card0"), S_IFCHR | 0640, 226, 0);
    Syscalls.mknod(gpus.resolve("disk"), S_IFBLK | 0600, 7, 200);
    Files.writeString(gpus.resolve("README"), "not a device");
    Files.createSymbolicLink(dir.resolve("by-name"), dir.resolve("gpus"));

    List<HostDevices.Granted> granted =
        HostDevices.requested(List.of(device(dir + "/by-name", "/dev/dri", "mrw")));
    assertThat(granted)
        .extracting(HostDevices.Granted::node)
        .containsExactly(
            new OciSpec.Device("/dev/dri/card0", "c", 226, 0, 0640, 0L, 0L),
            new OciSpec.Device("/dev/dri/sub/disk", "b", 7, 200, 0600, 0L, 0L));
    assertThat(granted).extracting(HostDevices.Granted::access).containsOnly("mrw");
  }

  @Test
  void whatIsNotADeviceOrNotThereIsRefusedNamingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertRefused(device(file.toString(), "/dev/x", "rw"), "neither a character nor a block");
    assertRefused(device(dir + "/missing", "/dev/x", "rw"), "does not exist");
    assertRefused(device("dev/null", "/dev/x", "rw"), "not absolute");
    assertRefused(device("/dev/null", "dev/x", "rw"), "not absolute");
    assertRefused(device("/dev/null", "/dev/x", "rwx"), "not a combination of r, w and m");
  }

  @Test
  void aPrivilegedContainerGetsTheNodesDevicesButNotItsTerminalsOrPseudoFilesystems() {
    List<String> paths =
        HostDevices.all(Path.of("/dev")).stream().map(g -> g.node().path()).toList();
    assertThat(paths).contains("/dev/null", "/dev/zero", "/dev/full");
    assertThat(paths).doesNotContain("/dev/console", "/dev/ptmx");
    assertThat(paths).noneMatch(p -> p.startsWith("/dev/pts/") || p.startsWith("/dev/shm/"));
  }

  private static Device device(String host, String container, String permissions) {
    return Device.newBuilder()
        .setHostPath(host)
        .setContainerPath(container)
        .setPermissions(permissions)
        .build();
  }

  private static void assertRefused(Device device, String message) {
    assertThatThrownBy(() -> HostDevices.requested(List.of(device)))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
  }

  @Test
  void onlyTheDevicesTheConfigAsksForFollowTheRunAsOwner() {
    java.util.List<io.caisson.cri.v1.Device> asked =
        java.util.List.of(
            io.caisson.cri.v1.Device.newBuilder()
                .setHostPath("/dev/snd")
                .setContainerPath("/dev/snd")
                .build(),
            io.caisson.cri.v1.Device.newBuilder()
                .setHostPath("/dev/fuse")
                .setContainerPath("/dev/fuse")
                .build());
    assertThat(ContainerSpecs.isRequested(node("/dev/fuse"), asked)).isTrue();
    assertThat(ContainerSpecs.isRequested(node("/dev/snd/pcmC0D0p"), asked)).isTrue();
    // A privileged container's host devices and the node's additional ones keep their owner.
    assertThat(ContainerSpecs.isRequested(node("/dev/kvm"), asked)).isFalse();
    assertThat(ContainerSpecs.isRequested(node("/dev/sndx"), asked)).isFalse();
  }

  private static io.caisson.oci.OciSpec.Device node(String path) {
    return new io.caisson.oci.OciSpec.Device(path, "c", 1, 3, 0666, 0L, 0L);
  }
}
