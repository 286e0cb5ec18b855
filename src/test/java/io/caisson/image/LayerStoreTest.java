package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerStoreTest {
  @TempDir Path tmp;

  /**
   * Short links are named by a diff id's first 16 hex digits, which two crafted layers can share (a
   * birthday search of 2^32 hashes). The second one's pull fails; it never mounts the first's
   * files, nor takes its link away when collected.
   */
  @Test
  void aLayerWhoseShortNameIsTakenIsRefusedAndLeavesTheOtherAlone() throws Exception {
    LayerStore store = new LayerStore(tmp);
    String prefix = "0123456789abcdef";
    Digest first = new Digest("sha256", prefix + "a".repeat(48));
    Digest second = new Digest("sha256", prefix + "b".repeat(48));
    Path a = store.stage(first);
    Files.writeString(a.resolve("diff/who"), "first");
    store.commit(a, first);

    Path b = store.stage(second);
    Files.writeString(b.resolve("diff/who"), "second");
    assertThatThrownBy(() -> store.commit(b, second))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION))
        .hasMessageContaining(second.toString())
        .hasMessageContaining(first.hex());
    assertThat(store.has(second)).isFalse();
    assertThat(store.retire(second)).isNull();
    assertThat(store.shortLink(first).resolve("who")).hasContent("first");
    assertThat(store.shortLink(second).resolve("who")).hasContent("first");
    assertThat(store.shortLink(first)).isEqualTo(store.shortLink(second));
  }
}
