package io.caisson.image;

import java.nio.file.Path;

/** Space a directory tree takes and the filesystem it is on, for ImageFsInfo. */
public record FsUsage(long timestampNanos, Path mountpoint, long usedBytes, long inodesUsed) {}
