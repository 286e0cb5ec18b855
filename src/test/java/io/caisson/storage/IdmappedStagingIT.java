package io.caisson.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clones a pod of its own user namespace gets of its volumes are taken away without ever
 * touching the volume: on the real kernel, with a scratch user namespace.
 */
class IdmappedStagingIT {
  @TempDir Path dir;
  private Process holder;
  private Path userns;

  @BeforeEach
  void scratchUserNamespace() throws Exception {
    // util-linux maps our own (root's) id into it; any map will do for a clone.
    holder = new ProcessBuilder("unshare", "--user", "--map-root-user", "sleep", "60").start();
    userns = Path.of("/proc", Long.toString(holder.pid()), "ns", "user");
    // Until unshare has run, the process is in our namespace and shows our (full) map; right after,
    // its new namespace has an empty map until util-linux writes one.
    for (int i = 0; i < 200 && !inItsOwnMappedNamespace(); i++) {
      Thread.sleep(10);
    }
    assertThat(inItsOwnMappedNamespace()).isTrue();
  }

  private boolean inItsOwnMappedNamespace() throws Exception {
    Path ours = Path.of("/proc/self/ns/user");
    return !Files.readSymbolicLink(userns).equals(Files.readSymbolicLink(ours))
        && !Files.readString(uidMap()).isBlank();
  }

  @AfterEach
  void stopHolder() throws Exception {
    holder.destroyForcibly();
    holder.waitFor(5, TimeUnit.SECONDS);
  }

  @Test
  void aSweepTakesClonesAwayAndNeverDeletesWhatIsBehindThem() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume/sub"));
    Files.writeString(volume.resolve("data"), "keep me");
    Path file = Files.writeString(dir.resolve("single-file"), "keep me too");
    Path root = dir.resolve("idmapped");
    IdmappedStaging staging = new IdmappedStaging(root);

    List<Path> clones =
        staging.stage("ctr", "volume", List.of(dir.resolve("volume"), file), userns);
    assertThat(clones.get(0).resolve("sub/data")).hasContent("keep me");
    assertThat(clones.get(1)).hasContent("keep me too");
    assertThat(mounted(clones.get(0))).isTrue();

    // What a daemon that died during a CreateContainer leaves: found and taken away at start.
    new IdmappedStaging(root).sweep();
    assertThat(mounted(clones.get(0))).isFalse();
    assertThat(mounted(clones.get(1))).isFalse();
    assertThat(root.resolve("ctr")).doesNotExist();
    assertThat(volume.resolve("data")).hasContent("keep me");
    assertThat(file).hasContent("keep me too");

    // Something that is not a clone but holds files (never mounted, or not any more) stays whole.
    Path stray = Files.createDirectories(root.resolve("other/volume0/inside"));
    Files.writeString(stray.resolve("data"), "not ours to delete");
    staging.sweep();
    assertThat(stray.resolve("data")).hasContent("not ours to delete");
  }

  private Path uidMap() {
    return Path.of("/proc", Long.toString(holder.pid()), "uid_map");
  }

  private static boolean mounted(Path point) throws Exception {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(line -> line.split(" ")[4].equals(point.toString()));
  }
}
