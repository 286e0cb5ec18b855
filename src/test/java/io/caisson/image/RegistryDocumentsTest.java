package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.common.CaissonException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Manifests, indexes and image configs are the registry's: read as they are, and mutated (seeded,
 * {@code -Dfuzz.seed=N} replays) they parse or fail with a CaissonException, which a pull reports
 * with its code, never another exception.
 */
class RegistryDocumentsTest {
  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String MANIFEST =
      """
      {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s",
                  "size": 300},
       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
                   "digest": "%s", "size": 1000,
                   "annotations": {"org.opencontainers.image.enc.keys.jwe": "e30=",
                                   "org.opencontainers.image.enc.pubopts": "e30="}}]}
      """
          .formatted(DIGEST, DIGEST);
  private static final String INDEX =
      """
      {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
       "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "digest": "%s", "size": 500,
                      "platform": {"os": "linux", "architecture": "amd64"}}]}
      """
          .formatted(DIGEST);
  private static final String CONFIG =
      """
      {"architecture": "amd64", "os": "linux",
       "config": {"Env": ["PATH=/bin"], "Entrypoint": ["/bin/sh"], "Cmd": ["-c", "true"],
                  "WorkingDir": "/", "User": "1000:1000", "Labels": {"a": "b"},
                  "Volumes": {"/data": {}}, "ExposedPorts": {"80/tcp": {}}},
       "rootfs": {"type": "layers", "diff_ids": ["%s"]}}
      """
          .formatted(DIGEST);

  @Test
  void theDocumentsAsWrittenParse() {
    var manifest = (Manifests.Manifest) Manifests.parse(bytes(MANIFEST), null);
    assertThat(manifest.layers().getFirst().annotations())
        .containsKey("org.opencontainers.image.enc.keys.jwe");
    assertThat(((Manifests.Index) Manifests.parse(bytes(INDEX), null)).manifests()).hasSize(1);
    assertThat(ImageConfig.parse(bytes(CONFIG)).diffIds()).hasSize(1);
  }

  @Test
  void mutatedDocumentsFailOnlyWithACaissonException() {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    Random random = new Random(seed);
    for (String document : new String[] {MANIFEST, INDEX, CONFIG}) {
      byte[] original = bytes(document);
      for (int i = 0; i < 500; i++) {
        byte[] mutated = original.clone();
        for (int n = random.nextInt(4) + 1; n > 0; n--) {
          mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(128);
        }
        try {
          if (document == CONFIG) {
            ImageConfig.parse(mutated);
          } else {
            Manifests.Parsed parsed = Manifests.parse(mutated, null);
            if (parsed instanceof Manifests.Index index) {
              Manifests.select(index, Platform.host());
            }
          }
        } catch (CaissonException expected) {
          // Reported with its code.
        } catch (RuntimeException e) {
          throw new AssertionError("mutation " + i + " (seed " + seed + ") threw " + e, e);
        }
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
