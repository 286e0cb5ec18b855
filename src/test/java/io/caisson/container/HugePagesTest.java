package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.HugepageLimit;
import java.util.List;
import org.junit.jupiter.api.Test;

class HugePagesTest {
  @Test
  void sizesAreNamedAsKubeletNamesThem() {
    assertThat(HugePages.name(2048)).isEqualTo("2MB");
    assertThat(HugePages.name(1048576)).isEqualTo("1GB");
    assertThat(HugePages.name(64)).isEqualTo("64KB");
  }

  @Test
  void aSizeTheNodeLacksIsRefusedNamingIt() {
    assertThatThrownBy(
            () ->
                HugePages.checked(
                    List.of(HugepageLimit.newBuilder().setPageSize("3MB").setLimit(0).build())))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("'3MB'");
    assertThatThrownBy(() -> HugePages.checked(List.of(HugepageLimit.newBuilder().build())))
        .hasMessageContaining("hugepage size ''");
  }

  @Test
  void noLimitsStayNoLimits() {
    assertThat(HugePages.checked(List.of())).isEmpty();
  }
}
