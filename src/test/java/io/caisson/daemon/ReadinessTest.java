package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {
  @TempDir Path dir;

  private Readiness readiness(String toml) throws Exception {
    Path file = Files.writeString(dir.resolve("caisson.toml"), toml);
    CaissonConfig config = new ConfigLoader().load(file, true, Map.of());
    return new Readiness(config, Optional::empty);
  }

  @Test
  void aMissingDefaultRuntimeOrConmonStopsTheNode() throws Exception {
    assertThat(
            readiness("default_runtime = \"gone\"\n[runtimes.gone]\npath = \"/nonexistent/runc\"\n")
                .runtimeNotReady())
        .hasValueSatisfying(
            why -> {
              assertThat(why.reason()).isEqualTo("OCIRuntimeMissing");
              assertThat(why.message()).contains("'gone'", "/nonexistent/runc");
            });
    assertThat(
            readiness("monitor = \"conmon\"\nconmon = \"/nonexistent/conmon\"\n").runtimeNotReady())
        .hasValueSatisfying(why -> assertThat(why.reason()).isEqualTo("MonitorMissing"));
  }

  @Test
  void anotherHandlersMissingRuntimeDoesNot() throws Exception {
    assertThat(
            readiness("[runtimes.kata]\npath = \"/nonexistent/kata-runtime\"\n").runtimeNotReady())
        .isEmpty();
  }
}
