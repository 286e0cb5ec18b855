package io.caisson.store;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Durable metadata of one kind of object (sandboxes, containers): a directory per object id holding
 * small files, each replaced atomically. Objects are independent, so writing one never rewrites or
 * locks another.
 */
public final class RecordStore {
  private final Path dir;

  public RecordStore(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  public void write(String id, String file, byte[] content) throws IOException {
    AtomicFiles.write(dir.resolve(id).resolve(file), content);
  }

  /**
   * Replaces a file atomically but without flushing it to disk: for state that a reboot makes moot
   * (a container's running/exited state: after a reboot every container has ended).
   */
  public void update(String id, String file, byte[] content) throws IOException {
    AtomicFiles.replace(dir.resolve(id).resolve(file), content);
  }

  public Optional<byte[]> read(String id, String file) throws IOException {
    Path path = dir.resolve(id).resolve(file);
    return Files.exists(path) ? Optional.of(Files.readAllBytes(path)) : Optional.empty();
  }

  public List<String> ids() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    }
  }

  /**
   * Removes the object's directory; the marker file goes first so a crash mid-way reads as gone.
   */
  public void delete(String id, String markerFile) throws IOException {
    Path objectDir = dir.resolve(id);
    AtomicFiles.delete(objectDir.resolve(markerFile));
    deleteTree(objectDir);
  }

  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<IOException> failures = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            try {
              Files.deleteIfExists(file);
            } catch (IOException e) {
              failures.add(e);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path directory, IOException error) {
            try {
              Files.deleteIfExists(directory);
            } catch (IOException e) {
              failures.add(e);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    if (!failures.isEmpty()) {
      throw failures.getFirst();
    }
  }
}
