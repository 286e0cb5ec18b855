package io.caisson.container.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class CdiInjectionTest {
  private static OciSpecBuilder container(long uid, long gid) {
    return OciSpecBuilder.criDefaults()
        .args(List.of("sleep", "1"))
        .env(List.of("PATH=/bin", "GPU=none"))
        .user(uid, gid, List.of(10L));
  }

  @Test
  void editsLandInTheSpecAfterWhatTheContainerAlreadyHas() {
    CdiInjection injection =
        new CdiInjection(
            List.of("x.io/gpu=0"),
            List.of("GPU=0", "DRIVER=1"),
            List.of(
                new CdiInjection.Node(
                    new OciSpec.Device("/dev/gpu0", "c", 195, 0, 0666, null, null), "rw"),
                new CdiInjection.Node(
                    new OciSpec.Device("/dev/gpu-events", "p", 0, 0, 0600, 5L, 6L), null),
                new CdiInjection.Node(
                    new OciSpec.Device("/dev/gpu-raw", "u", 195, 1, 0600, null, null), "r")),
            List.of(
                new OciSpec.Mount(
                    "/usr/lib/vendor/libgpu.so", null, "/opt/libgpu.so", List.of("ro", "bind")),
                new OciSpec.Mount("/usr/lib/vendor", "tmpfs", "tmpfs", List.of())),
            List.of(
                new CdiInjection.StageHook(
                    "createContainer",
                    new OciSpec.Hook(
                        "/usr/bin/vendor-hook", List.of("vendor-hook", "x"), List.of(), 5))),
            List.of(44L, 10L));
    OciSpecBuilder builder = container(1000, 1001);

    injection.applyTo(builder);
    OciSpec spec = builder.build();

    assertThat(spec.process().env()).containsSubsequence("PATH=/bin", "GPU=0", "DRIVER=1");
    assertThat(spec.process().env()).doesNotContain("GPU=none");
    OciSpec.Device gpu = device(spec, "/dev/gpu0");
    // Owned by the process's user, so a container that is not root can open it.
    assertThat(gpu.uid()).isEqualTo(1000L);
    assertThat(gpu.gid()).isEqualTo(1001L);
    assertThat(spec.linux().resources().devices())
        .contains(new OciSpec.DeviceRule(true, "c", 195L, 0L, "rw"));
    OciSpec.Device fifo = device(spec, "/dev/gpu-events");
    assertThat(fifo.uid()).isEqualTo(5L);
    assertThat(spec.linux().resources().devices()).noneMatch(r -> "p".equals(r.type()));
    // An unbuffered character device is a character device to the device cgroup.
    assertThat(device(spec, "/dev/gpu-raw").type()).isEqualTo("u");
    assertThat(spec.linux().resources().devices())
        .contains(new OciSpec.DeviceRule(true, "c", 195L, 1L, "r"))
        .noneMatch(r -> "u".equals(r.type()));
    // The parent directory's mount before the file's below it, whatever order the spec had.
    List<String> destinations = spec.mounts().stream().map(OciSpec.Mount::destination).toList();
    assertThat(destinations).containsSubsequence("/usr/lib/vendor", "/usr/lib/vendor/libgpu.so");
    assertThat(spec.hooks().createContainer())
        .extracting(OciSpec.Hook::path)
        .containsExactly("/usr/bin/vendor-hook");
    assertThat(spec.process().user().additionalGids()).containsExactly(10L, 44L);
  }

  @Test
  void aRootContainersNodesKeepTheOwnerTheSpecGaveOrNone() {
    CdiInjection injection =
        new CdiInjection(
            List.of("x.io/gpu=0"),
            List.of(),
            List.of(
                new CdiInjection.Node(
                    new OciSpec.Device("/dev/gpu0", "c", 195, 0, null, null, null), "rwm")),
            List.of(),
            List.of(),
            List.of());
    OciSpecBuilder builder = container(0, 0);

    injection.applyTo(builder);

    OciSpec.Device gpu = device(builder.build(), "/dev/gpu0");
    assertThat(gpu.uid()).isNull();
    assertThat(gpu.gid()).isNull();
  }

  private static OciSpec.Device device(OciSpec spec, String path) {
    return spec.linux().devices().stream()
        .filter(d -> d.path().equals(path))
        .findFirst()
        .orElseThrow();
  }
}
