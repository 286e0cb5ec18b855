package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.KeyValue;
import io.caisson.image.ImageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerEnvTest {
  @Test
  void theNodesDefaultsOverrideTheImageAndTheContainerOverridesThem() {
    ImageConfig image =
        new ImageConfig(
            List.of("PATH=/image/bin", "A=image", "B=image"),
            List.of(),
            List.of("sh"),
            "",
            "",
            "",
            List.of(),
            Map.of(),
            List.of(),
            "linux",
            "amd64");
    ContainerConfig config =
        ContainerConfig.newBuilder()
            .addEnvs(KeyValue.newBuilder().setKey("B").setValue("container"))
            .build();

    assertThat(ContainerSpecs.env("web-0", image, List.of("A=node", "B=node", "C=node"), config))
        .containsExactly("PATH=/image/bin", "HOSTNAME=web-0", "A=node", "B=container", "C=node");
    ContainerConfig renamed =
        ContainerConfig.newBuilder()
            .addEnvs(KeyValue.newBuilder().setKey("HOSTNAME").setValue("mine"))
            .build();
    assertThat(ContainerSpecs.env("web-0", image, List.of(), renamed)).contains("HOSTNAME=mine");
  }
}
