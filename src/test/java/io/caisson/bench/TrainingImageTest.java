package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class TrainingImageTest {

  @Test
  void manifestNamesTheConfigAndLayerByDigestAndSizeAndTheConfigTheUncompressedLayer()
      throws Exception {
    TrainingImage image = TrainingImage.ofThisNode();
    JsonValue manifest = Json.parse(image.manifest());
    assertThat(manifest.at("/config/digest").asText())
        .isEqualTo(TrainingImage.digestOf(image.config()));
    assertThat(manifest.at("/config/size").asInt()).isEqualTo(image.config().length);
    assertThat(manifest.at("/layers/0/digest").asText())
        .isEqualTo(TrainingImage.digestOf(image.layer()));
    assertThat(manifest.at("/layers/0/size").asInt()).isEqualTo(image.layer().length);

    byte[] tar = new GZIPInputStream(new ByteArrayInputStream(image.layer())).readAllBytes();
    assertThat(Json.parse(image.config()).at("/rootfs/diff_ids/0").asText())
        .isEqualTo(TrainingImage.digestOf(tar));
  }

  @Test
  void layerHoldsSleepTrueAndTheLibrariesTheyLoadAsExecutableFiles() throws Exception {
    byte[] tar =
        new GZIPInputStream(new ByteArrayInputStream(TrainingImage.ofThisNode().layer()))
            .readAllBytes();
    List<String> files = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.isFile()) {
          assertThat(e.getMode() & 0111).as(e.getName()).isNotZero();
          assertThat(e.getSize()).as(e.getName()).isPositive();
          files.add(e.getName());
        } else {
          assertThat(e.isDirectory()).as(e.getName()).isTrue();
        }
      }
    }
    assertThat(files).contains("bin/sleep", "bin/true");
    assertThat(files).anyMatch(f -> f.contains("libc.so"));
    assertThat(files).anyMatch(f -> f.contains("ld-linux"));
  }
}
