package io.caisson.image;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * What {@link OpenSslDigest} and {@link OpenSslAesCtr} share: libcrypto's symbols, and EVP contexts
 * that the JDK's common cleaner frees once nothing holds them (no thread of our own for it).
 */
final class Libcrypto {
  private Libcrypto() {}

  /** The node's libcrypto.so.3; UnsatisfiedLinkError (or IllegalArgumentException) when absent. */
  static SymbolLookup load() {
    return SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
  }

  static MemorySegment find(SymbolLookup lookup, String name) {
    return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no " + name));
  }

  /** A new context from {@code create}, handed to {@code free} once it is unreachable. */
  static MemorySegment autoFreedContext(MethodHandle create, MethodHandle free, String what) {
    MemorySegment created;
    try {
      created = (MemorySegment) create.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException(what + "_new failed", t);
    }
    if (created.equals(MemorySegment.NULL)) {
      throw new OutOfMemoryError(what + "_new returned NULL");
    }
    return created.reinterpret(Arena.ofAuto(), context -> free(free, context, what));
  }

  private static void free(MethodHandle free, MemorySegment context, String what) {
    try {
      free.invokeExact(context);
    } catch (Throwable t) {
      throw new IllegalStateException(what + "_free failed", t);
    }
  }
}
