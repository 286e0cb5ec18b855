package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.linux.Syscalls;
import io.caisson.stats.DirUsage;
import io.caisson.stats.UsageCache;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacked layers, one per diff id: {@code layers/<hex>/diff}, plus a short link {@code l/<first 16
 * hex>} to it. A layer is unpacked in {@code layers/.tmp-*} and renamed into place, so a directory
 * named by a diff id is always complete.
 */
final class LayerStore {
  private static final Logger log = LoggerFactory.getLogger(LayerStore.class);
  static final int SHORT = 16;

  private final Path layers;
  private final Path links;

  /** A layer never changes once committed under its diff id: measured once, forgotten with it. */
  private final UsageCache<Digest, DirUsage> usage = UsageCache.once(d -> DirUsage.of(dir(d)));

  LayerStore(Path root) throws IOException {
    this.layers = Files.createDirectories(root.resolve("layers"));
    this.links = Files.createDirectories(root.resolve("l"));
  }

  boolean has(Digest diffId) {
    return Files.isDirectory(dir(diffId).resolve("diff"), LinkOption.NOFOLLOW_LINKS);
  }

  Path diff(Digest diffId) {
    return dir(diffId).resolve("diff");
  }

  Path shortLink(Digest diffId) {
    return links.resolve(diffId.hex().substring(0, SHORT));
  }

  private Path dir(Digest diffId) {
    return layers.resolve(diffId.hex());
  }

  /** Where the committed layers {@code diffIds} are: what {@link #usage} measures of each. */
  Set<Path> dirs(Set<Digest> diffIds) {
    Set<Path> out = new HashSet<>();
    diffIds.forEach(d -> out.add(dir(d)));
    return out;
  }

  /** Bytes and inodes of a committed layer, walked the first time it is asked for. */
  DirUsage usage(Digest diffId) throws IOException {
    return usage.get(diffId).value();
  }

  /** Forgets what layers not in {@code present} took. */
  void retainUsage(Set<Digest> present) {
    usage.retainOnly(present);
  }

  /** A fresh staging directory with an empty {@code diff} inside. */
  Path stage(Digest diffId) throws IOException {
    Path staging = layers.resolve(".tmp-" + diffId.hex() + "-" + UUID.randomUUID());
    Files.createDirectories(staging.resolve("diff"));
    return staging;
  }

  /**
   * Moves a finished staging directory into place; a concurrent winner makes this a no-op. The
   * unpacked files reach the disk before the rename does: a directory named by its diff id is
   * complete, after a power loss too (else a container could start on files the crash emptied).
   */
  void commit(Path staging, Digest diffId) throws IOException {
    Path link = shortLink(diffId);
    if (Files.isSymbolicLink(link) && !Files.readSymbolicLink(link).equals(linkTarget(diffId))) {
      // 16 hex digits are 64 bits: two layers made to share them take 2^32 hashes to find. The
      // link must never name another layer, or one image would run on another's files.
      throw CaissonException.precondition(
          "layer %s cannot be stored: its short name %s is taken by layer %s",
          diffId, link.getFileName(), Files.readSymbolicLink(link));
    }
    Path target = dir(diffId);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      discard(staging);
    } else {
      Syscalls.syncfs(staging);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(layers);
      usage.forget(diffId); // a reading taken while an earlier copy was being retired
    }
    if (!Files.isSymbolicLink(link)) {
      Files.createSymbolicLink(link, linkTarget(diffId));
    }
  }

  private static Path linkTarget(Digest diffId) {
    return Path.of("..", "layers", diffId.hex(), "diff");
  }

  void discard(Path staging) {
    try {
      LayerUnpacker.deleteTree(staging);
    } catch (IOException e) {
      log.warn("cannot remove staging directory {}: {}", staging, e.getMessage());
    }
  }

  /** Removes a layer: first out of sight (renamed to a temp name), then from disk. */
  void delete(Digest diffId) throws IOException {
    Path doomed = retire(diffId);
    if (doomed != null) {
      LayerUnpacker.deleteTree(doomed);
    }
  }

  /**
   * Takes the layer out of the store at once (a rename) and returns the directory still to delete,
   * or null when there was none: the slow tree deletion can then run without the store's lock. A
   * crash before it is done leaves a {@code .tmp-} dir, removed at the next start.
   */
  Path retire(Digest diffId) throws IOException {
    Path link = shortLink(diffId);
    if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(linkTarget(diffId))) {
      Files.deleteIfExists(link);
    }
    usage.forget(diffId);
    Path target = dir(diffId);
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    Path doomed = layers.resolve(".tmp-del-" + diffId.hex() + "-" + UUID.randomUUID());
    Files.move(target, doomed, StandardCopyOption.ATOMIC_MOVE);
    return doomed;
  }

  /**
   * Diff ids of all complete layers. A directory is named by the hex alone, whose length tells the
   * algorithm (a config may list sha512 diff ids); a name that is neither is skipped, not fatal:
   * this listing is what the garbage collector, ImageFsInfo and every start depend on.
   */
  Set<Digest> all() throws IOException {
    Set<Digest> out = new HashSet<>();
    try (var dirs = Files.newDirectoryStream(layers)) {
      for (Path p : dirs) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        try {
          out.add(new Digest(name.length() == 128 ? "sha512" : "sha256", name));
        } catch (CaissonException e) {
          log.warn("ignoring {} in the layer store: not named by a diff id", p);
        }
      }
    }
    return out;
  }

  /** Drops staging leftovers of a crash and dangling short links. */
  void cleanStaging() throws IOException {
    try (var dirs = Files.newDirectoryStream(layers, ".tmp-*")) {
      for (Path p : dirs) {
        LayerUnpacker.deleteTree(p);
      }
    }
    try (var ls = Files.newDirectoryStream(links)) {
      for (Path p : ls) {
        if (!Files.exists(p)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
