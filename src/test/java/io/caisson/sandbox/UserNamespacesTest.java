package io.caisson.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.UserNamespace;
import org.junit.jupiter.api.Test;

class UserNamespacesTest {
  private static NamespaceOption pod(long hostId, long length) {
    IDMapping mapping =
        IDMapping.newBuilder()
            .setContainerId(0)
            .setHostId((int) hostId)
            .setLength((int) length)
            .build();
    return NamespaceOption.newBuilder()
        .setUsernsOptions(
            UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(mapping).addGids(mapping))
        .build();
  }

  @Test
  void aRangeMayEndJustBelowTheIdTheKernelNeverMaps() {
    // 4294967295 is (uid_t) -1: the kernel refuses a map that reaches it.
    assertThat(UserNamespaces.forPod(pod(4294901759L, 65536))).isPresent();
    assertThatThrownBy(() -> UserNamespaces.forPod(pod(4294901760L, 65536)))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT));
  }
}
