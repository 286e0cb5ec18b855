package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MountSourceTest {
  @Test
  void theLastMountOnAPointIsTheOneSeen() {
    String mountinfo =
        """
        22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
        30 22 0:25 / /var/lib rw shared:9 - tmpfs tmpfs rw
        31 30 254:17 / /var/lib rw shared:10 - xfs /dev/vdb rw
        """;
    assertThat(MountSource.parse(mountinfo, "/")).isEqualTo("/dev/vda1");
    assertThat(MountSource.parse(mountinfo, "/var/lib")).isEqualTo("/dev/vdb");
    assertThat(MountSource.parse(mountinfo, "/srv")).isEqualTo("/srv");
  }
}
