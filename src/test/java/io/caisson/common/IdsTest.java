package io.caisson.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void newIdsAreSixtyFourHexDigitsAndValid() {
    String id = Ids.newId();
    assertThat(id).hasSize(64).matches("[0-9a-f]+");
    assertThat(Ids.requireValid("id", id)).isEqualTo(id);
  }

  @Test
  void acceptsNamesThatAreNoRuntimeIdsButHarmless() {
    for (String id : new String[] {"abc", "A-b_c.d", "0", "f0e1d2c3-uuid-like", "x".repeat(128)}) {
      assertThat(Ids.requireValid("container_id", id)).isEqualTo(id);
    }
  }

  @Test
  void refusesWhatCouldReachAPathOrALog() {
    for (String id :
        new String[] {"", "a/b", "..", "a..b", "a b", "tab\t", "nl\n", "é", "x".repeat(129)}) {
      assertThatThrownBy(() -> Ids.requireValid("container_id", id))
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining("container_id")
          .extracting(e -> ((CaissonException) e).kind())
          .isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
    }
    assertThatThrownBy(() -> Ids.requireValid("pod_sandbox_id", null))
        .hasMessageContaining("pod_sandbox_id is required");
  }

  @Test
  void looksUpExactIdsFirstThenUniquePrefixes() {
    Map<String, String> byId = Map.of("abc1", "one", "abc2", "two", "abc", "three");
    assertThat(Ids.lookup(byId, "id", "abc", Function.identity())).contains("three");
    assertThat(Ids.lookup(byId, "id", "zzz", v -> v)).isEqualTo(Optional.empty());
    Map<String, String> ids = Map.of("abc1", "abc1", "abd2", "abd2");
    assertThat(Ids.lookup(ids, "id", "abd", Function.identity())).contains("abd2");
    assertThatThrownBy(() -> Ids.lookup(ids, "id", "ab", Function.identity()))
        .hasMessageContaining("ambiguous (2 objects match)");
  }
}
