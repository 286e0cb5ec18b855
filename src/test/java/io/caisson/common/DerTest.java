package io.caisson.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The DER reader: values, object identifiers, and what it refuses. */
class DerTest {
  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  @Test
  void readsNestedValuesAndObjectIdentifiers() throws Exception {
    // SEQUENCE { OID 1.2.840.113549.1.7.3, [0] { INTEGER 0 } }
    Der d = Der.parse(hex("30 10 06 09 2a864886f70d010703 a0 03 020100"));
    assertThat(d.tag()).isEqualTo(Der.SEQUENCE);
    assertThat(d.child(0, "type").oid()).isEqualTo("1.2.840.113549.1.7.3");
    assertThat(d.child(1, "content").isContext(0)).isTrue();
    assertThat(d.child(1, "content").constructed()).isTrue();
    assertThat(d.child(1, "content").child(0, "version").content()).containsExactly(0);
    assertThat(Der.parse(hex("06 09 608648016503040106")).oid())
        .isEqualTo("2.16.840.1.101.3.4.1.6");
    // A long-form length.
    assertThat(Der.parse(hex("04 81 02 abcd")).content()).containsExactly(0xab, 0xcd);
  }

  @Test
  void refusesWhatItCannotReadSafely() {
    assertThatThrownBy(() -> Der.parse(hex("30 05 0201"))).hasMessageContaining("longer than");
    assertThatThrownBy(() -> Der.parse(hex("30 80 0000"))).hasMessageContaining("indefinite");
    assertThatThrownBy(() -> Der.parse(hex("04 85 0100000000"))).hasMessageContaining("malformed");
    assertThatThrownBy(() -> Der.parse(hex("0400 0400"))).hasMessageContaining("not one DER value");
    assertThatThrownBy(() -> Der.parse(hex("30 00")).child(0, "version"))
        .hasMessageContaining("no version");
    assertThatThrownBy(() -> Der.parse(hex("04 00")).oid())
        .hasMessageContaining("not an object identifier");
  }
}
