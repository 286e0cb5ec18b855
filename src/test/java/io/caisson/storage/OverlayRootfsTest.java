package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayRootfsTest {
  @Test
  void lowerDirsAreListedHighestFirst() {
    String options =
        OverlayRootfs.options(
            List.of(Path.of("/l/base"), Path.of("/l/mid"), Path.of("/l/top")),
            new OverlayRootfs.Layer(Path.of("/c/upper"), Path.of("/c/work")));
    assertThat(options)
        .isEqualTo("lowerdir=/l/top:/l/mid:/l/base,upperdir=/c/upper,workdir=/c/work,index=off");
  }
}
