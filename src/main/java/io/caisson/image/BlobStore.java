package io.caisson.image;

import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** Verified manifests, indexes and configs by digest: {@code blobs/<algorithm>/<hex>}. */
final class BlobStore {
  private final Path blobs;

  BlobStore(Path root) throws IOException {
    this.blobs = Files.createDirectories(root.resolve("blobs"));
  }

  private Path path(Digest d) {
    return blobs.resolve(d.algorithm()).resolve(d.hex());
  }

  void put(Digest d, byte[] data) throws IOException {
    Path p = path(d);
    if (!Files.exists(p)) {
      Files.createDirectories(p.getParent());
      AtomicFiles.write(p, data);
    }
  }

  byte[] get(Digest d) throws IOException {
    return Files.readAllBytes(path(d));
  }

  boolean has(Digest d) {
    return Files.exists(path(d));
  }

  void delete(Digest d) throws IOException {
    Files.deleteIfExists(path(d));
  }

  Set<Digest> all() throws IOException {
    Set<Digest> out = new HashSet<>();
    if (!Files.isDirectory(blobs)) {
      return out;
    }
    try (var algos = Files.newDirectoryStream(blobs)) {
      for (Path a : algos) {
        try (var files = Files.newDirectoryStream(a)) {
          for (Path f : files) {
            String name = f.getFileName().toString();
            if (!name.startsWith(".")) {
              out.add(new Digest(a.getFileName().toString(), name));
            } else {
              Files.deleteIfExists(f); // a temp file left by a crash
            }
          }
        }
      }
    }
    return out;
  }
}
