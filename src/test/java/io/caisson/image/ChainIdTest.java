package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChainIdTest {
  // sha256 of "a", "b" and "c"; the chains worked out with sha256sum.
  static final String A = "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
  static final String B = "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";
  static final String C = "sha256:2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6";

  @Test
  void oneLayersChainIsItsDiffIdAndEachLayerAboveHashesTheChainBelowWithIt() {
    assertThat(ChainId.of(List.of(A))).hasToString(A);
    assertThat(ChainId.of(List.of(A, B)))
        .hasToString("sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
    assertThat(ChainId.of(List.of(A, B, C)))
        .hasToString("sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106");
    assertThat(ChainId.of(List.of())).isNull();
  }
}
