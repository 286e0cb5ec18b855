package io.caisson.daemon;

import io.caisson.common.PreflightFinding;
import io.caisson.config.CaissonConfig;
import io.caisson.image.ImagePreflight;
import io.caisson.linux.CgroupHierarchies;
import io.caisson.network.CniConfDir;
import io.caisson.network.CniPlugins;
import io.caisson.oci.Conmon;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code caisson --check}: what the daemon would find at start, found without starting it, so an
 * operator sees on a new node, before kubelet does, what keeps pods from running or images from
 * being pulled. Nothing is created or changed. The checks are the daemon's own where it has them
 * (the network kubelet's NetworkReady follows, the runtime and conmon RuntimeReady needs, the image
 * files as a pull reads them).
 */
public final class Preflight {
  private static final long VERSION_TIMEOUT_SECONDS = 5;

  private final CaissonConfig config;

  public Preflight(CaissonConfig config) {
    this.config = config;
  }

  /** Prints one line per finding and a total; the exit status is 1 when anything failed. */
  public int run(PrintStream out) {
    List<PreflightFinding> findings = findings();
    int warnings = 0;
    int failures = 0;
    for (PreflightFinding f : findings) {
      out.printf(
          "%-5s %s: %s%n", f.level().name().toLowerCase(Locale.ROOT), f.subject(), f.detail());
      switch (f.level()) {
        case WARN -> warnings++;
        case FAIL -> failures++;
        case OK -> {}
      }
    }
    out.printf(
        "%d checks, %s, %s%n",
        findings.size(), count(warnings, "warning"), count(failures, "failure"));
    return failures == 0 ? 0 : 1;
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }

  List<PreflightFinding> findings() {
    List<PreflightFinding> out = new ArrayList<>();
    for (String name : config.runtimes().keySet()) {
      boolean isDefault = name.equals(config.defaultRuntime());
      out.add(
          binary(
              "runtime handler " + name + (isDefault ? " (default)" : ""),
              config.runtime(name).path(),
              isDefault));
    }
    out.add(binary("monitor", Conmon.effectiveBinary(config.monitor(), config.conmon()), true));
    out.add(network());
    out.add(overlayfs());
    out.add(cgroups());
    out.add(seccomp());
    out.add(storage("root", config.root()));
    out.add(storage("state", config.state()));
    out.addAll(
        ImagePreflight.check(
            config.registriesConf(), config.signaturePolicy(), config.decryptionKeysPath()));
    return out;
  }

  /** An executable that answers {@code --version}; missing fails only what {@code needed}. */
  private static PreflightFinding binary(String subject, Path path, boolean needed) {
    if (!Files.isExecutable(path)) {
      String detail = path + " is not an executable file";
      return needed
          ? PreflightFinding.fail(subject, detail)
          : PreflightFinding.warn(subject, detail + ": its pods are refused until it is");
    }
    try {
      Process p =
          new ProcessBuilder(path.toString(), "--version")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(VERSION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return PreflightFinding.warn(subject, path + " --version did not answer in 5 s");
      }
      String first =
          new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8)
              .lines()
              .findFirst()
              .orElse("");
      return p.exitValue() == 0
          ? PreflightFinding.ok(subject, path + ", " + first.strip())
          : PreflightFinding.warn(
              subject, path + " --version exited " + p.exitValue() + ": " + first.strip());
    } catch (IOException e) {
      return PreflightFinding.fail(subject, path + " cannot be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return PreflightFinding.warn(subject, "interrupted");
    }
  }

  /** The network kubelet's NetworkReady follows, read as the daemon reads it. */
  private PreflightFinding network() {
    CniConfDir dir = new CniConfDir(config.cni().confDir(), new CniPlugins(config.cni().binDirs()));
    var reason = dir.notReadyReason();
    if (reason.isPresent()) {
      return PreflightFinding.fail("pod network", reason.get());
    }
    return dir.current()
        .map(
            n ->
                PreflightFinding.ok(
                    "pod network",
                    "'%s' (CNI %s) from %s, plugins %s"
                        .formatted(n.name(), n.cniVersion(), dir.dir(), n.pluginTypes())))
        .orElseGet(() -> PreflightFinding.fail("pod network", "no network config"));
  }

  private static PreflightFinding overlayfs() {
    return procLine(Path.of("/proc/filesystems"), l -> l.endsWith("\toverlay"))
        ? PreflightFinding.ok("overlayfs", "the kernel has it")
        : PreflightFinding.fail("overlayfs", "not in /proc/filesystems: load the overlay module");
  }

  private PreflightFinding cgroups() {
    Path root = Path.of("/sys/fs/cgroup");
    String driver = "driver " + config.cgroupDriver();
    if (CgroupHierarchies.unified(root)) {
      return PreflightFinding.ok("cgroups", "v2 (unified), " + driver);
    }
    try {
      List<Path> hierarchies = CgroupHierarchies.of(root);
      boolean hybrid = hierarchies.stream().anyMatch(h -> h.endsWith("unified"));
      if (!hierarchies.stream().anyMatch(h -> h.endsWith("memory"))) {
        return PreflightFinding.fail("cgroups", "no memory hierarchy under " + root);
      }
      return PreflightFinding.ok("cgroups", (hybrid ? "hybrid (v1 and v2)" : "v1") + ", " + driver);
    } catch (IOException e) {
      return PreflightFinding.fail("cgroups", "cannot list " + root + ": " + e.getMessage());
    }
  }

  private static PreflightFinding seccomp() {
    return procLine(Path.of("/proc/self/status"), l -> l.startsWith("Seccomp:"))
        ? PreflightFinding.ok("seccomp", "the kernel filters system calls")
        : PreflightFinding.warn(
            "seccomp", "the kernel has no seccomp: RuntimeDefault profiles cannot be applied");
  }

  /** Whether a line of a /proc file matches; false when it cannot be read. */
  private static boolean procLine(Path file, Predicate<String> wanted) {
    try {
      return Files.readAllLines(file).stream().anyMatch(wanted);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The filesystem a directory is (or would be) on. Overlay mounts cannot be stacked on overlayfs,
   * so the root there fails; a root on tmpfs loses every image at a reboot.
   */
  private static PreflightFinding storage(String key, Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return PreflightFinding.fail(key, dir + ": no part of it exists");
    }
    String type;
    try {
      type = Files.getFileStore(existing).type();
    } catch (IOException e) {
      return PreflightFinding.fail(key, dir + ": " + e.getMessage());
    }
    if (!Files.isWritable(existing)) {
      return PreflightFinding.fail(key, existing + " is not writable");
    }
    String detail = dir + " on " + type + (existing.equals(dir) ? "" : " (created at start)");
    if (key.equals("root") && type.equals("overlay")) {
      return PreflightFinding.fail(
          key, detail + ": container layers cannot be overlay-mounted from an overlayfs");
    }
    if (key.equals("root") && type.equals("tmpfs")) {
      return PreflightFinding.warn(key, detail + ": every image is lost at a reboot");
    }
    return PreflightFinding.ok(key, detail);
  }
}
