package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitySetTest {
  @Test
  void anAmbientCapabilityIsInEverySetEvenAfterDropAll() {
    List<String> caps =
        CapabilitySet.resolve(
            OciSpecBuilder.DEFAULT_CAPABILITIES, false, List.of(), List.of("ALL"));
    OciSpec.Capabilities sets =
        CapabilitySet.withAmbient(caps, CapabilitySet.ambient(List.of("net_bind_service")));
    assertThat(sets.bounding()).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(sets.effective()).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(sets.permitted()).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(sets.inheritable()).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(sets.ambient()).containsExactly("CAP_NET_BIND_SERVICE");
  }

  @Test
  void withoutAmbientCapabilitiesNothingIsInheritable() {
    List<String> caps =
        CapabilitySet.resolve(
            OciSpecBuilder.DEFAULT_CAPABILITIES, false, List.of("NET_ADMIN"), List.of());
    OciSpec.Capabilities sets = CapabilitySet.withAmbient(caps, CapabilitySet.ambient(List.of()));
    assertThat(sets.bounding()).contains("CAP_NET_ADMIN", "CAP_CHOWN");
    assertThat(sets.inheritable()).isEmpty();
    assertThat(sets.ambient()).isEmpty();
  }

  @Test
  void theNodesDefaultsReplaceTheBuiltInSetButNotPrivilegedOrTheContainersOwn() {
    List<String> hardened = CapabilitySet.defaults(List.of("chown", "CAP_SETUID", "SETGID"));
    assertThat(hardened).containsExactly("CAP_CHOWN", "CAP_SETUID", "CAP_SETGID");
    assertThat(CapabilitySet.resolve(hardened, false, List.of("NET_RAW"), List.of("SETUID")))
        .containsExactly("CAP_CHOWN", "CAP_SETGID", "CAP_NET_RAW");
    assertThat(CapabilitySet.resolve(hardened, true, List.of(), List.of()))
        .containsAll(CapabilitySet.all());
    assertThatThrownBy(() -> CapabilitySet.defaults(List.of("ALL")))
        .hasMessageContaining("name each one");
  }

  @Test
  void unknownOrAllAmbientCapabilitiesAreRefused() {
    assertThatThrownBy(() -> CapabilitySet.ambient(List.of("CAP_FLY")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("unknown capability CAP_FLY");
    assertThatThrownBy(() -> CapabilitySet.ambient(List.of("ALL")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("name each one");
  }
}
