package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Idmapped bind mounts (Linux 5.12+): a clone of a directory tree whose files keep their owners on
 * disk but appear, through the mount, owned by those ids shifted as a user namespace maps them. A
 * pod of its own user namespace sees its image layers and volumes this way, so a file owned by root
 * on disk is owned by the pod's root (a host id like 100000) and never by the host's.
 *
 * <p>open_tree(2), mount_setattr(2) and move_mount(2) have no wrappers in Debian bookworm's glibc:
 * they are called through syscall(2).
 */
public final class IdmappedMounts {
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_MOUNT_SETATTR = 442;
  private static final long AT_FDCWD = -100;
  private static final long OPEN_TREE_CLONE = 1;
  private static final long OPEN_TREE_CLOEXEC = Syscalls.O_CLOEXEC;
  private static final long AT_EMPTY_PATH = 0x1000;
  private static final long AT_RECURSIVE = 0x8000;
  private static final long MOUNT_ATTR_IDMAP = 0x00100000;
  private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;

  /** struct mount_attr: attr_set, attr_clr, propagation, userns_fd (all u64). */
  private static final long MOUNT_ATTR_SIZE = 32;

  private static final MethodHandle SYSCALL =
      Libc.withErrno(
          "syscall",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG),
          Linker.Option.firstVariadicArg(1));

  private IdmappedMounts() {}

  /**
   * Mounts at {@code target} a clone of {@code source} with everything mounted below it, owners
   * shifted through the user namespace file {@code userns}. {@code target} is created (a directory,
   * or an empty file for a file source) if absent. Nothing is left mounted when this fails.
   */
  public static void bind(Path source, Path target, Path userns) throws IOException {
    boolean created = false;
    if (!Files.exists(target)) {
      Files.createDirectories(target.getParent());
      if (Files.isDirectory(source)) {
        Files.createDirectory(target);
      } else {
        Files.createFile(target);
      }
      created = true;
    }
    try {
      cloneShifted(source, target, userns);
    } catch (IOException | RuntimeException e) {
      if (created) {
        Files.deleteIfExists(target);
      }
      throw e;
    }
  }

  /**
   * Like {@link #bind(Path, Path, Path)}, through a user namespace made for this mount with these
   * {@code uid_map} and {@code gid_map} lines; the mount keeps the namespace alive, nothing else
   * does.
   */
  public static void bindMapped(Path source, Path target, String uidMap, String gidMap)
      throws IOException {
    try (UserNamespaceHolder mapping = UserNamespaceHolder.start(List.of(), uidMap, gidMap)) {
      bind(source, target, mapping.namespace("user"));
    }
  }

  private static void cloneShifted(Path source, Path target, Path userns) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      int tree = detachedShiftedClone(arena, source, userns);
      try {
        call(
            arena,
            "move_mount",
            target.toString(),
            SYS_MOVE_MOUNT,
            tree,
            arena.allocateFrom("").address(),
            AT_FDCWD,
            arena.allocateFrom(target.toString()).address(),
            MOVE_MOUNT_F_EMPTY_PATH);
      } finally {
        Syscalls.close(tree);
      }
    }
  }

  /**
   * Whether a tree on {@code dir}'s filesystem can be idmapped here (the kernel and the filesystem
   * both have to support it): tried on a clone that is never attached, in a scratch user namespace.
   */
  public static boolean supportedOn(Path dir) {
    try (UserNamespaceHolder scratch =
            UserNamespaceHolder.start(List.of(), "0 100000 1\n", "0 100000 1\n");
        Arena arena = Arena.ofConfined()) {
      Syscalls.close(detachedShiftedClone(arena, dir, scratch.namespace("user")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A clone of {@code source} with what is mounted below it, not attached anywhere, its owners
   * shifted through the user namespace file {@code userns}; the caller closes the returned fd
   * (which frees the clone unless it was attached meanwhile).
   */
  private static int detachedShiftedClone(Arena arena, Path source, Path userns)
      throws IOException {
    int usernsFd = Syscalls.openReadOnly(userns);
    try {
      int tree =
          (int)
              call(
                  arena,
                  "open_tree",
                  source.toString(),
                  SYS_OPEN_TREE,
                  AT_FDCWD,
                  arena.allocateFrom(source.toString()).address(),
                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE,
                  0,
                  0);
      try {
        MemorySegment attr = arena.allocate(MOUNT_ATTR_SIZE);
        attr.set(ValueLayout.JAVA_LONG, 0, MOUNT_ATTR_IDMAP);
        attr.set(ValueLayout.JAVA_LONG, 24, usernsFd);
        call(
            arena,
            "mount_setattr",
            source.toString(),
            SYS_MOUNT_SETATTR,
            tree,
            arena.allocateFrom("").address(),
            AT_EMPTY_PATH | AT_RECURSIVE,
            attr.address(),
            MOUNT_ATTR_SIZE);
        return tree;
      } catch (IOException | RuntimeException e) {
        Syscalls.close(tree);
        throw e;
      }
    } finally {
      Syscalls.close(usernsFd);
    }
  }

  private static long call(
      Arena arena,
      String name,
      String subject,
      long nr,
      long a1,
      long a2,
      long a3,
      long a4,
      long a5)
      throws SyscallException {
    MemorySegment state = Libc.callState(arena);
    long rc;
    try {
      rc = (long) SYSCALL.invokeExact(state, nr, a1, a2, a3, a4, a5);
    } catch (Throwable t) {
      throw new IllegalStateException(name + " downcall failed", t);
    }
    if (rc < 0) {
      throw new SyscallException(name, subject, Libc.errno(state));
    }
    return rc;
  }
}
