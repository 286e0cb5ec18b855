package io.caisson.storage;

import io.caisson.stats.DirUsage;
import io.caisson.stats.UsageCache;
import io.caisson.stats.UsageCache.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;

/**
 * What containers' writable layers take on disk, for ContainerStats, the cAdvisor metrics and
 * ImageFsInfo's container filesystem. Each container's directory is walked at most once per {@link
 * #MAX_AGE}, as containerd's snapshot syncer measures active snapshots every 10 s: the RPCs serve
 * that reading, with the time it was taken, so what a container wrote shows within the window.
 */
public final class WritableLayerUsage {
  static final Duration MAX_AGE = Duration.ofSeconds(10);

  /**
   * @param upper the container's writable layer (what ContainerStats reports)
   * @param total its whole directory: the writable layer, overlayfs's work dir and the directories
   *     of the image's declared volumes (ImageFsInfo's container filesystem counts them all)
   */
  record Usage(DirUsage upper, DirUsage total) {}

  private final OverlayRootfs storage;
  private final UsageCache<String, Usage> cache;

  public WritableLayerUsage(OverlayRootfs storage) {
    this(storage, MAX_AGE, InstantSource.system());
  }

  WritableLayerUsage(OverlayRootfs storage, Duration maxAge, InstantSource clock) {
    this.storage = storage;
    this.cache = new UsageCache<>(maxAge, clock, this::measure);
  }

  private Usage measure(String containerId) throws IOException {
    Path upper = storage.layer(containerId).upper();
    DirUsage layer = DirUsage.of(upper);
    DirUsage rest = DirUsage.of(storage.layersDir().resolve(containerId), Set.of(upper));
    return new Usage(layer, rest.plus(layer));
  }

  /** The container's writable layer and when it was measured; zeros when it has none. */
  public Reading<DirUsage> of(String containerId) throws IOException {
    Reading<Usage> reading = cache.get(containerId);
    return new Reading<>(reading.value().upper(), reading.timestampNanos());
  }

  /**
   * Every container's directory together with the directory holding them; readings of containers
   * whose directory is gone are dropped.
   */
  public DirUsage all() throws IOException {
    Path dir = storage.layersDir();
    Set<Path> containers = new HashSet<>();
    Set<String> ids = new HashSet<>();
    if (Files.isDirectory(dir)) {
      try (var entries =
          Files.newDirectoryStream(dir, p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
        for (Path entry : entries) {
          containers.add(entry);
          ids.add(entry.getFileName().toString());
        }
      }
    }
    DirUsage total = DirUsage.of(dir, containers);
    for (String id : ids) {
      total = total.plus(cache.get(id).value().total());
    }
    cache.retainOnly(ids);
    return total;
  }

  /** Drops the reading of a removed container's layer. */
  public void forget(String containerId) {
    cache.forget(containerId);
  }
}
