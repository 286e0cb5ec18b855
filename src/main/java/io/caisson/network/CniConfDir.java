package io.caisson.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network config directory: the first usable config in lexical file-name order among {@code
 * *.conflist}, {@code *.conf} and {@code *.json}, as libcni-based runtimes choose it. Invalid files
 * are skipped (and named in {@link #notReadyReason()} when nothing usable is left).
 *
 * <p>The directory is re-read only when it changed: each use lists it and compares names, sizes and
 * modification times with the last load, which costs one readdir and a stat per config file. This
 * is what lets NetworkReady turn true once an operator drops a config in.
 */
public final class CniConfDir {
  private static final Logger LOG = LoggerFactory.getLogger(CniConfDir.class);

  public static final Path DEFAULT = Path.of("/etc/cni/net.d");

  /** What one load found: the chosen network, or why there is none. */
  private record Loaded(List<String> fingerprint, Optional<CniConfig> config, String problem) {}

  private final Path dir;
  private final CniPlugins plugins;
  private volatile Loaded loaded;

  public CniConfDir(Path dir, CniPlugins plugins) {
    this.dir = dir;
    this.plugins = plugins;
  }

  public Path dir() {
    return dir;
  }

  public CniPlugins plugins() {
    return plugins;
  }

  /** The network pods are attached to now, if the directory holds a usable one. */
  public Optional<CniConfig> current() {
    return load().config();
  }

  /**
   * Why pods cannot be networked right now, or empty when they can: no config, only invalid ones,
   * or a plugin binary of the chosen network missing from the bin dirs.
   */
  public Optional<String> notReadyReason() {
    Loaded now = load();
    if (now.config().isEmpty()) {
      return Optional.of(now.problem());
    }
    CniConfig config = now.config().get();
    for (String type : config.pluginTypes()) {
      if (plugins.find(type).isEmpty()) {
        return Optional.of("network \"%s\": %s".formatted(config.name(), plugins.notFound(type)));
      }
    }
    return Optional.empty();
  }

  private Loaded load() {
    List<Path> files = configFiles();
    List<String> fingerprint = fingerprint(files);
    Loaded last = loaded;
    if (last != null && last.fingerprint().equals(fingerprint)) {
      return last;
    }
    synchronized (this) {
      last = loaded;
      if (last != null && last.fingerprint().equals(fingerprint)) {
        return last;
      }
      Loaded fresh = parseFirst(files, fingerprint);
      fresh
          .config()
          .ifPresentOrElse(
              c ->
                  LOG.info(
                      "CNI network \"{}\" (cniVersion {}) from {}", c.name(), c.cniVersion(), dir),
              () -> LOG.warn("no usable CNI network: {}", fresh.problem()));
      loaded = fresh;
      return fresh;
    }
  }

  private Loaded parseFirst(List<Path> files, List<String> fingerprint) {
    if (files.isEmpty()) {
      return new Loaded(fingerprint, Optional.empty(), "no CNI network config found in " + dir);
    }
    List<String> problems = new ArrayList<>();
    for (Path file : files) {
      try {
        return new Loaded(fingerprint, Optional.of(CniConfig.parse(Files.readAllBytes(file))), "");
      } catch (InvalidCniConfigException | IOException e) {
        problems.add(file.getFileName() + ": " + e.getMessage());
      }
    }
    return new Loaded(
        fingerprint,
        Optional.empty(),
        "no valid CNI network config in %s: %s".formatted(dir, String.join("; ", problems)));
  }

  private List<Path> configFiles() {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(CniConfDir::isConfigName)
          .filter(Files::isRegularFile)
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      LOG.warn("cannot list CNI config dir {}: {}", dir, e.toString());
      return List.of();
    }
  }

  private static List<String> fingerprint(List<Path> files) {
    List<String> parts = new ArrayList<>(files.size());
    for (Path file : files) {
      try {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        // The inode catches a replace-by-rename within one clock tick.
        parts.add(
            "%s@%s/%d/%s"
                .formatted(
                    file.getFileName(), attrs.lastModifiedTime(), attrs.size(), attrs.fileKey()));
      } catch (IOException e) {
        parts.add(file.getFileName() + "@gone");
      }
    }
    return parts;
  }

  private static boolean isConfigName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".conflist") || name.endsWith(".conf") || name.endsWith(".json");
  }
}
