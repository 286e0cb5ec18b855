package io.caisson.image;

import java.nio.file.Path;
import java.util.List;

/**
 * What a container needs from its image: the unpacked layer directories, lowest first, and the same
 * directories as short symlinks ({@code ROOT/l/<16 hex>}) to keep overlayfs's {@code lowerdir=}
 * within its one-page option limit. Note overlayfs lists lowerdirs highest first.
 */
public record ImageRootfs(
    String imageId, List<Path> layerDirs, List<Path> shortLayerDirs, ImageConfig config) {}
