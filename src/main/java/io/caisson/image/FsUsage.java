package io.caisson.image;

import java.nio.file.Path;

/** Space taken by the image store, for ImageFsInfo. */
public record FsUsage(long timestampNanos, Path mountpoint, long usedBytes, long inodesUsed) {}
