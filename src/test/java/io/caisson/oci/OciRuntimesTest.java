package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OciRuntimesTest {
  private static final Runc RUNC = new Runc(Path.of("/usr/sbin/runc"), Path.of("/run/c/runc"));
  private static final Runc SAME_BINARY =
      new Runc(Path.of("/usr/sbin/runc"), Path.of("/run/c/other"));
  private static final Runc SHARED_ROOT =
      new Runc(Path.of("/usr/bin/nvidia-container-runtime"), Path.of("/run/c/runc"));

  private static OciRuntimes runtimes() {
    Map<String, Runc> byName = new LinkedHashMap<>();
    byName.put("runc", RUNC);
    byName.put("other", SAME_BINARY);
    byName.put("nvidia", SHARED_ROOT);
    return new OciRuntimes(byName, Set.of("nvidia"), "runc");
  }

  @Test
  void aNewPodIsBoundToItsHandlerByNameBinaryAndRoot() {
    OciRuntimes runtimes = runtimes();
    assertThat(runtimes.bind(""))
        .contains(new OciRuntimes.Binding("runc", "/usr/sbin/runc", "/run/c/runc", false));
    assertThat(runtimes.bind("other"))
        .contains(new OciRuntimes.Binding("other", "/usr/sbin/runc", "/run/c/other", false));
    assertThat(runtimes.bind("kata")).isEmpty();
    assertThat(runtimes.bind("nvidia").orElseThrow().privilegedWithoutHostDevices()).isTrue();
    assertThat(runtimes.of(runtimes.bind("other").orElseThrow())).isSameAs(SAME_BINARY);
    assertThat(runtimes.named("")).isSameAs(RUNC);
    assertThat(runtimes.named("kata")).isNull();
    assertThat(runtimes.names()).containsExactly("runc", "other", "nvidia");
  }

  @Test
  void aPodWithoutABindingRunsWithTheDefault() {
    assertThat(runtimes().of(null)).isSameAs(RUNC);
  }

  @Test
  void aPodKeepsItsRuntimeWhenTheConfigChangesOrDropsItsHandler() {
    OciRuntimes runtimes = runtimes();
    OciRuntimes.Binding moved =
        new OciRuntimes.Binding("other", "/usr/sbin/runc", "/run/c/before", false);
    OciRuntimes.Binding dropped =
        new OciRuntimes.Binding("kata", "/usr/bin/kata-runtime", "/run/c/kata", true);
    Runc former = runtimes.of(moved);
    assertThat(former.root()).isEqualTo(Path.of("/run/c/before"));
    assertThat(former).isNotSameAs(SAME_BINARY).isSameAs(runtimes.of(moved));
    assertThat(runtimes.of(dropped).binary()).isEqualTo(Path.of("/usr/bin/kata-runtime"));
    // Every root with containers of Caisson's is swept once: the two configured roots and the
    // two former ones.
    assertThat(runtimes.byRoot())
        .extracting(Runc::root)
        .containsExactlyInAnyOrder(
            Path.of("/run/c/runc"),
            Path.of("/run/c/other"),
            Path.of("/run/c/before"),
            Path.of("/run/c/kata"));
  }

  @Test
  void theDefaultMustBeOneOfTheHandlers() {
    assertThatThrownBy(() -> new OciRuntimes(Map.of("runc", RUNC), Set.of(), "crun"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crun");
  }
}
