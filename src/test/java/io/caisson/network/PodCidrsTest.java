package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import org.junit.jupiter.api.Test;

class PodCidrsTest {
  @Test
  void oneOrTwoPrefixesAreKeptWithoutSpaces() {
    assertThat(PodCidrs.canonical("10.244.1.0/24")).isEqualTo("10.244.1.0/24");
    assertThat(PodCidrs.canonical("10.1.0.0/24, fd00::/64")).isEqualTo("10.1.0.0/24,fd00::/64");
  }

  @Test
  void addressesAndLengthsOutOfRangeAreRefusedByName() {
    for (String bad :
        new String[] {
          "999.1.1.1/24", "10.0.0.0/33", "fd00::/129", "10.0.0.0", "garbage", "a/8", ""
        }) {
      assertThatThrownBy(() -> PodCidrs.canonical(bad))
          .as(bad)
          .isInstanceOfSatisfying(
              CaissonException.class,
              e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> PodCidrs.canonical("10.0.0.0/24,10.0.0.0/40"))
        .hasMessageContaining("'10.0.0.0/40'");
  }
}
