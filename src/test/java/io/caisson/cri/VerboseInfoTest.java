package io.caisson.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.image.ImageRecord;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerboseInfoTest {
  static final String LOWER =
      "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
  static final String UPPER =
      "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d";

  @Test
  void anImagesInfoHasItsOciConfigAsImageSpecAndItsChainIdAsContainerdGivesThem() throws Exception {
    String config =
        """
        {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","FOO=bar"]},
         "rootfs":{"type":"layers","diff_ids":["%s","%s"]}}
        """
            .formatted(LOWER, UPPER);
    ImageRecord record =
        new ImageRecord(
            "sha256:" + "0".repeat(64),
            List.of("example.com/app:v1"),
            List.of(),
            1,
            null,
            null,
            false,
            null,
            List.of(LOWER, UPPER),
            List.of());

    JsonValue info = Json.parse(VerboseInfo.image(record, config));

    // What {{.info.imageSpec.config.Env}} reads in crictl inspecti.
    assertThat(info.at("/imageSpec/config/Env").toString())
        .isEqualTo("[\"PATH=/bin\",\"FOO=bar\"]");
    assertThat(info.at("/imageSpec/rootfs/diff_ids/1").asText()).isEqualTo(UPPER);
    assertThat(info.path("chainID").asText())
        .isEqualTo("sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676");
  }
}
