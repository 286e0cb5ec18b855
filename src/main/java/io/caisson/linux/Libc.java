package io.caisson.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The C library's functions as method handles, for this package's system-call wrappers. A call
 * whose failure matters captures errno atomically with the call (the JVM may overwrite errno
 * between two Java statements): it takes a {@link #callState} segment as its first argument, read
 * back with {@link #errno}.
 */
final class Libc {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private Libc() {}

  /** A function whose errno nobody reads (or that returns its error number). */
  static MethodHandle function(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(find(name), descriptor);
  }

  /** A function that reports failure in errno; the handle takes a call state first. */
  static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... more) {
    Linker.Option[] options = Arrays.copyOf(more, more.length + 1);
    options[more.length] = ERRNO_OPTION;
    return LINKER.downcallHandle(find(name), descriptor, options);
  }

  /** Where a {@link #withErrno} handle leaves errno. */
  static MemorySegment callState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  static int errno(MemorySegment callState) {
    return (int) ERRNO.get(callState, 0L);
  }

  private static MemorySegment find(String name) {
    return LINKER
        .defaultLookup()
        .find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no " + name));
  }
}
