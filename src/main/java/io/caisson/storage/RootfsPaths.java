package io.caisson.storage;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path as a container would see it inside its root filesystem, on the node: symbolic
 * links are followed with the rootfs as their "/", and neither an absolute link nor ".." leaves it.
 * An image is untrusted content, so a link such as {@code /data -> /etc} must name the image's
 * /etc, never the node's. Meant for a rootfs no process runs in yet (at CreateContainer), where
 * nothing can swap a component between this walk and its use.
 */
public final class RootfsPaths {
  /** As the kernel's limit on links followed in one lookup (MAXSYMLINKS). */
  private static final int MAX_LINKS = 40;

  private RootfsPaths() {}

  /**
   * The node's path for {@code containerPath} in {@code rootfs}. Components past the first one that
   * does not exist are appended as they are, so the result may not exist either.
   *
   * @throws CaissonException FAILED_PRECONDITION when links loop or nest too deeply
   */
  public static Path resolve(Path rootfs, String containerPath) throws IOException {
    Deque<String> pending = new ArrayDeque<>();
    push(pending, containerPath);
    Deque<String> resolved = new ArrayDeque<>();
    int links = 0;
    while (!pending.isEmpty()) {
      String name = pending.pop();
      if (name.equals("..")) {
        resolved.pollLast(); // ".." at the root stays at the root, as the kernel's does in a chroot
        continue;
      }
      resolved.addLast(name);
      Path here = join(rootfs, resolved);
      if (!Files.isSymbolicLink(here)) {
        if (!Files.exists(here, LinkOption.NOFOLLOW_LINKS)) {
          resolved.addAll(pending); // head first: the order they come in
          return join(rootfs, resolvedWithout(resolved));
        }
        continue;
      }
      if (++links > MAX_LINKS) {
        throw CaissonException.precondition(
            "%s in the container's root filesystem: too many levels of symbolic links",
            containerPath);
      }
      String target;
      try {
        target = Files.readSymbolicLink(here).toString();
      } catch (NoSuchFileException e) {
        continue; // gone meanwhile: treat as the plain name
      }
      resolved.pollLast();
      if (target.startsWith("/")) {
        resolved.clear();
      }
      push(pending, target);
    }
    return join(rootfs, resolved);
  }

  /** Pushes a path's names so the first one is popped first; "." and empty names drop out. */
  private static void push(Deque<String> pending, String path) {
    String[] names = path.split("/");
    for (int i = names.length - 1; i >= 0; i--) {
      if (!names[i].isEmpty() && !names[i].equals(".")) {
        pending.push(names[i]);
      }
    }
  }

  /** The names left once the walk stopped resolving: ".." among them still climbs, clamped. */
  private static Deque<String> resolvedWithout(Deque<String> names) {
    Deque<String> out = new ArrayDeque<>();
    for (String name : names) {
      if (name.equals("..")) {
        out.pollLast();
      } else {
        out.addLast(name);
      }
    }
    return out;
  }

  private static Path join(Path rootfs, Iterable<String> names) {
    Path path = rootfs;
    for (String name : names) {
      path = path.resolve(name);
    }
    return path;
  }
}
