package io.caisson.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfDirTest {
  @TempDir Path tmp;
  private Path conf;
  private Path bin;
  private CniConfDir dir;

  @BeforeEach
  void setUp() throws Exception {
    conf = tmp.resolve("net.d");
    bin = tmp.resolve("bin");
    Files.createDirectories(bin);
    for (String type : List.of("bridge", "loopback", "portmap")) {
      executable(bin.resolve(type));
    }
    dir = new CniConfDir(conf, new CniPlugins(List.of(tmp.resolve("missing-bin"), bin)));
  }

  private static void executable(Path file) throws Exception {
    Files.writeString(file, "#!/bin/sh\nexit 1\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String list(String name, String... types) {
    StringBuilder plugins = new StringBuilder();
    for (String type : types) {
      plugins
          .append(plugins.isEmpty() ? "" : ",")
          .append("{\"type\":\"")
          .append(type)
          .append("\"}");
    }
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"plugins\":[%s]}".formatted(name, plugins);
  }

  @Test
  void aMissingDirectoryIsNotReady() {
    assertThat(dir.current()).isEmpty();
    assertThat(dir.notReadyReason())
        .hasValueSatisfying(r -> assertThat(r).contains("no CNI network config found"));
  }

  @Test
  void picksTheFirstInLexicalOrderAndFlipsReadyWhenOneAppears() throws Exception {
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("README"), "not a config");
    assertThat(dir.notReadyReason()).isPresent();

    Files.writeString(conf.resolve("20-second.conflist"), list("second", "bridge"));
    assertThat(dir.current()).hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("second"));
    assertThat(dir.notReadyReason()).isEmpty();

    Files.writeString(
        conf.resolve("10-first.conf"),
        "{\"cniVersion\":\"0.4.0\",\"name\":\"first\",\"type\":\"bridge\"}");
    assertThat(dir.current()).hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("first"));

    Files.writeString(conf.resolve("05-zero.json"), list("zero", "bridge", "portmap"));
    assertThat(dir.current()).hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("zero"));

    Files.delete(conf.resolve("05-zero.json"));
    assertThat(dir.current()).hasValueSatisfying(c -> assertThat(c.name()).isEqualTo("first"));
  }

  @Test
  void reloadsAConfigEditedInPlace() throws Exception {
    Files.createDirectories(conf);
    Path file = conf.resolve("10-net.conflist");
    Files.writeString(file, list("before", "bridge"));
    assertThat(dir.current().orElseThrow().name()).isEqualTo("before");
    Files.writeString(file, list("after-edit", "bridge"));
    assertThat(dir.current().orElseThrow().name()).isEqualTo("after-edit");
  }

  @Test
  void skipsInvalidConfigsAndNamesThemWhenNothingIsLeft() throws Exception {
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("00-broken.conflist"), "{");
    Files.writeString(
        conf.resolve("01-old.conf"),
        "{\"cniVersion\":\"0.1.0\",\"name\":\"o\",\"type\":\"bridge\"}");
    assertThat(dir.current()).isEmpty();
    assertThat(dir.notReadyReason())
        .hasValueSatisfying(
            r ->
                assertThat(r)
                    .contains("00-broken.conflist")
                    .contains("01-old.conf")
                    .contains("0.1.0"));

    Files.writeString(conf.resolve("99-good.conflist"), list("good", "bridge"));
    assertThat(dir.current().orElseThrow().name()).isEqualTo("good");
  }

  @Test
  void aMissingPluginBinaryIsNotReady() throws Exception {
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("10-net.conflist"), list("net", "bridge", "nosuchplugin"));
    assertThat(dir.current()).isPresent();
    assertThat(dir.notReadyReason())
        .hasValueSatisfying(
            r -> assertThat(r).contains("\"nosuchplugin\" not found").contains(bin.toString()));
    // lo is brought up by Caisson itself: a node without the loopback plugin can network pods.
    Files.delete(bin.resolve("loopback"));
    Files.writeString(conf.resolve("10-net.conflist"), list("net", "bridge"));
    assertThat(dir.notReadyReason()).isEmpty();
  }
}
