package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import org.junit.jupiter.api.Test;

class MountIdMappingsTest {

  private static IDMapping map(int container, int host, int length) {
    return IDMapping.newBuilder()
        .setContainerId(container)
        .setHostId(host)
        .setLength(length)
        .build();
  }

  private static Mount.Builder mount() {
    return Mount.newBuilder().setContainerPath("/data").setHostPath("/srv/data");
  }

  private static void assertInvalid(Mount.Builder mount, String message) {
    assertThatThrownBy(() -> MountIdMappings.of(mount.build()))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("/data").contains(message);
            });
  }

  @Test
  void aMountWithoutMappingsHasNone() {
    assertThat(MountIdMappings.of(mount().build())).isNull();
  }

  @Test
  void mappingsBecomeUidAndGidMapLines() {
    MountIdMappings m =
        MountIdMappings.of(
            mount()
                .addUidMappings(map(0, 100000, 65536))
                .addUidMappings(map(70000, 300000, 10))
                .addGidMappings(map(0, 200000, 1))
                .build());
    assertThat(m.uidMap()).isEqualTo("0 100000 65536\n70000 300000 10\n");
    assertThat(m.gidMap()).isEqualTo("0 200000 1\n");
  }

  @Test
  void idsAreUnsignedAndRangesStayInTheIdSpace() {
    MountIdMappings m =
        MountIdMappings.of(
            mount().addUidMappings(map(0, -2, 1)).addGidMappings(map(0, 1, 1)).build());
    assertThat(m.uidMap()).isEqualTo("0 4294967294 1\n");
    assertInvalid(
        mount().addUidMappings(map(0, -2, 2)).addGidMappings(map(0, 1, 1)), "past the id space");
    assertInvalid(mount().addUidMappings(map(0, 1, 0)).addGidMappings(map(0, 1, 1)), "empty");
  }

  @Test
  void badCombinationsAreRefused() {
    assertInvalid(mount().addUidMappings(map(0, 1, 1)), "go together");
    assertInvalid(
        mount()
            .addUidMappings(map(0, 1000, 10))
            .addUidMappings(map(5, 2000, 10))
            .addGidMappings(map(0, 1, 1)),
        "overlap on the container side");
    assertInvalid(
        mount()
            .addUidMappings(map(0, 1000, 10))
            .addUidMappings(map(100, 1005, 10))
            .addGidMappings(map(0, 1, 1)),
        "overlap on the host side");
    assertInvalid(
        mount()
            .addUidMappings(map(0, 1, 1))
            .addGidMappings(map(0, 1, 1))
            .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER),
        "propagation");
    assertInvalid(
        mount()
            .setHostPath("")
            .setImage(ImageSpec.newBuilder().setImage("sha256:abc"))
            .addUidMappings(map(0, 1, 1))
            .addGidMappings(map(0, 1, 1)),
        "image volumes");
    Mount.Builder many = mount().addGidMappings(map(0, 1, 1));
    for (int i = 0; i < 341; i++) {
      many.addUidMappings(map(i * 10, i * 10, 1));
    }
    assertInvalid(many, "at most 340");
    // Few enough ranges, but too long written out for the kernel's one write.
    Mount.Builder wide = mount().addGidMappings(map(0, 1, 1));
    for (int i = 0; i < 300; i++) {
      wide.addUidMappings(map(1_000_000 + i * 10, 2_000_000 + i * 10, 1));
    }
    assertInvalid(wide, "less than 4096");
  }
}
