package io.caisson.oci;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Real runc and conmon on a private root, busybox bundles, and a cgroup parent of the rig's own;
 * {@link #close()} removes every container, conmon, cgroup and file it made.
 */
final class OciTestRig implements AutoCloseable {
  static final Path BUSYBOX = Path.of("/bin/busybox");
  static final List<String> APPLETS =
      List.of(
          "sh", "echo", "cat", "sleep", "true", "false", "ls", "ps", "kill", "grep", "wc", "id",
          "head", "yes", "stty", "tty", "env");

  final Path dir;
  final Runc runc;
  final Conmon conmon;
  final String cgroupParent;
  private final List<String> ids = new ArrayList<>();

  /** The monitor the daemon starts by default: Caisson's own, when built. */
  static final Path DEFAULT_MONITOR = Conmon.effectiveBinary("caisson", Path.of("/usr/bin/conmon"));

  OciTestRig(Path dir) throws IOException {
    this(dir, DEFAULT_MONITOR);
  }

  OciTestRig(Path dir, Path monitor) throws IOException {
    this.dir = dir;
    this.runc = new Runc(Path.of("/usr/sbin/runc"), dir.resolve("runc"));
    this.conmon = new Conmon(monitor, dir.resolve("exits"), dir.resolve("s"), "info");
    this.cgroupParent = "caisson-test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String newId() {
    return UUID.randomUUID().toString().replace("-", "")
        + UUID.randomUUID().toString().replace("-", "");
  }

  /** A bundle whose rootfs is busybox and its applet links, running {@code args}. */
  Path bundle(String id, List<String> args) throws IOException {
    return bundle(id, OciSpecBuilder.criDefaults().args(args));
  }

  Path bundle(String id, OciSpecBuilder spec) throws IOException {
    ids.add(id);
    Path bundle = dir.resolve("bundles").resolve(id);
    Path bin = bundle.resolve("rootfs/bin");
    Files.createDirectories(bin);
    Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Files.createDirectories(bundle.resolve("rootfs/proc"));
    Files.createDirectories(bundle.resolve("rootfs/tmp"));
    spec.hostname("t")
        .cgroupsPath("/" + cgroupParent + "/" + id)
        .seccomp(SeccompProfiles.runtimeDefault(OciSpecBuilder.DEFAULT_CAPABILITIES));
    OciJson.writeConfig(bundle, spec.build());
    return bundle;
  }

  Path logPath(String id) {
    return dir.resolve("logs").resolve(id + ".log");
  }

  ContainerLaunch launch(String id, Path bundle) {
    return ContainerLaunch.simple(id, bundle, logPath(id));
  }

  @Override
  public void close() throws IOException {
    for (String id : ids) {
      Path bundle = dir.resolve("bundles").resolve(id);
      try {
        if (runc.state(id).isPresent()) {
          runc.delete(id, true);
        }
      } catch (CaissonException ignored) {
        // Already gone.
      }
      Conmon.conmonPid(bundle).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
    removeCgroups("/" + cgroupParent);
    deleteTree(dir);
  }

  /** Removes a cgroup directory tree in every mounted hierarchy (v1 controllers and v2). */
  static void removeCgroups(String path) throws IOException {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> candidates = new ArrayList<>();
    candidates.add(root.resolve(path.substring(1)));
    try (Stream<Path> hierarchies = Files.list(root)) {
      hierarchies
          .filter(Files::isDirectory)
          .forEach(h -> candidates.add(h.resolve(path.substring(1))));
    }
    for (Path c : candidates) {
      if (!Files.isDirectory(c)) {
        continue;
      }
      List<Path> dirs;
      try (Stream<Path> walk = Files.walk(c)) {
        dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
      }
      for (Path d : dirs) {
        for (int attempt = 0; ; attempt++) {
          try {
            Files.deleteIfExists(d);
            break;
          } catch (IOException e) {
            if (attempt > 50) {
              throw e;
            }
            sleep(20); // the last task of a cgroup can take a moment to leave it
          }
        }
      }
    }
  }

  static boolean cgroupExists(String path) throws IOException {
    Path root = Path.of("/sys/fs/cgroup");
    try (Stream<Path> hierarchies = Files.list(root)) {
      return Files.isDirectory(root.resolve(path.substring(1)))
          || hierarchies.anyMatch(h -> Files.isDirectory(h.resolve(path.substring(1))));
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
