package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class PaxXattrTapTest {
  /** A VFS_CAP_REVISION_2 capability value: not valid UTF-8. */
  static final byte[] CAP = {
    0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  @Test
  void binaryXattrSurvivesAndBelongsToTheRightEntry() throws Exception {
    Map<String, byte[]> pax = new LinkedHashMap<>();
    pax.put("SCHILY.xattr.security.capability", CAP);
    pax.put("SCHILY.xattr.user.note", "hé".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] tar =
        new TarBuilder()
            .file("a", "first", 0644)
            .rawPax(pax)
            .file("ping", new byte[1000], 0755, 0, 0)
            .file("c", "x".repeat(5000), 0644)
            .file("d/" + "long".repeat(40), "long name entry", 0644)
            .build();
    PaxXattrTap tap = new PaxXattrTap(new ByteArrayInputStream(tar));
    TarArchiveInputStream in = new TarArchiveInputStream(tap);
    List<String> names = new ArrayList<>();
    TarArchiveEntry e;
    while ((e = in.getNextEntry()) != null) {
      names.add(e.getName());
      Map<String, byte[]> x = tap.xattrsOfCurrentEntry();
      if (e.getName().equals("ping")) {
        assertThat(x).containsOnlyKeys("security.capability", "user.note");
        assertThat(x.get("security.capability")).isEqualTo(CAP);
        assertThat(new String(x.get("user.note"), java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo("hé");
        // what commons-compress itself makes of it: proof the tap is needed
        assertThat(
                e.getExtraPaxHeader("SCHILY.xattr.security.capability")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .isNotEqualTo(CAP);
      } else {
        assertThat(x).isEmpty();
      }
      in.readAllBytes();
    }
    assertThat(names).hasSize(4).contains("ping", "c");
  }

  @Test
  void paxSizeOverrideKeepsTheTapInStep() throws Exception {
    Map<String, byte[]> pax = new LinkedHashMap<>();
    pax.put("size", "700".getBytes());
    pax.put("SCHILY.xattr.user.a", new byte[] {1, 2, 3});
    byte[] tar =
        new TarBuilder()
            .rawPax(pax)
            .file("big", new byte[700], 0644, 0, 0)
            .rawPax(Map.of("SCHILY.xattr.user.b", new byte[] {(byte) 0xff}))
            .file("next", "n", 0644)
            .build();
    PaxXattrTap tap = new PaxXattrTap(new ByteArrayInputStream(tar));
    TarArchiveInputStream in = new TarArchiveInputStream(tap);
    Map<String, Map<String, byte[]>> seen = new LinkedHashMap<>();
    TarArchiveEntry e;
    while ((e = in.getNextEntry()) != null) {
      seen.put(e.getName(), tap.xattrsOfCurrentEntry());
    }
    assertThat(seen.get("big").get("user.a")).containsExactly(1, 2, 3);
    assertThat(seen.get("next").get("user.b")).containsExactly((byte) 0xff);
  }
}
