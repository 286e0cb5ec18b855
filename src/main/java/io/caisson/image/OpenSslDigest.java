package io.caisson.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * SHA-256 / SHA-512 computed by the node's OpenSSL (libcrypto.so.3) through {@code
 * java.lang.foreign}.
 *
 * <p>Why not the JDK's: its SHA-2 is Java code that only the C2 compiler turns into the CPU's SHA
 * instructions. Every byte of a pulled layer is hashed, so a pull's speed would hang on how far the
 * JIT got; libcrypto hashes at the same speed from the first byte, whatever the daemon's compiler
 * settings. Where libcrypto cannot be loaded, {@link #create} answers empty and the caller uses the
 * JDK's digest.
 */
final class OpenSslDigest extends MessageDigest {
  /** Longest single update handed to libcrypto while the GC waits (a critical call). */
  private static final int CHUNK = 1 << 20;

  private static final Optional<Functions> FUNCTIONS = Functions.load();

  private final MemorySegment algorithm;
  private final int length;
  private final MemorySegment context;
  private final byte[] one = new byte[1];

  private OpenSslDigest(String name, MemorySegment algorithm, int length, MemorySegment context) {
    super(name);
    this.algorithm = algorithm;
    this.length = length;
    this.context = context;
    init();
  }

  /** A fresh digest of {@code name} ("SHA-256" or "SHA-512"), if libcrypto is there. */
  static Optional<MessageDigest> create(String name) {
    return FUNCTIONS.map(
        f -> {
          MemorySegment algorithm =
              switch (name) {
                case "SHA-256" -> f.sha256;
                case "SHA-512" -> f.sha512;
                default -> throw new IllegalArgumentException("no OpenSSL digest " + name);
              };
          MemorySegment context =
              Libcrypto.autoFreedContext(f.newContext, f.freeContext, "EVP_MD_CTX");
          int length = name.equals("SHA-256") ? 32 : 64;
          return new OpenSslDigest(name, algorithm, length, context);
        });
  }

  private void init() {
    int ok;
    try {
      ok = (int) FUNCTIONS.orElseThrow().init.invokeExact(context, algorithm, MemorySegment.NULL);
    } catch (Throwable t) {
      throw new IllegalStateException("EVP_DigestInit_ex failed", t);
    }
    if (ok != 1) {
      throw new IllegalStateException("EVP_DigestInit_ex failed");
    }
  }

  private void update(MemorySegment data) {
    int ok;
    try {
      ok = (int) FUNCTIONS.orElseThrow().update.invokeExact(context, data, data.byteSize());
    } catch (Throwable t) {
      throw new IllegalStateException("EVP_DigestUpdate failed", t);
    }
    if (ok != 1) {
      throw new IllegalStateException("EVP_DigestUpdate failed");
    }
  }

  @Override
  protected int engineGetDigestLength() {
    return length;
  }

  @Override
  protected void engineUpdate(byte input) {
    one[0] = input;
    engineUpdate(one, 0, 1);
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int len) {
    MemorySegment array = MemorySegment.ofArray(input);
    for (int done = 0; done < len; ) {
      int n = Math.min(CHUNK, len - done);
      update(array.asSlice(offset + done, n));
      done += n;
    }
  }

  @Override
  protected void engineUpdate(ByteBuffer input) {
    int n = input.remaining();
    if (n == 0) {
      return;
    }
    if (input.hasArray()) {
      engineUpdate(input.array(), input.arrayOffset() + input.position(), n);
    } else if (input.isDirect()) {
      MemorySegment buffer = MemorySegment.ofBuffer(input);
      for (long done = 0; done < n; ) {
        long chunk = Math.min(CHUNK, n - done);
        update(buffer.asSlice(done, chunk));
        done += chunk;
      }
    } else {
      super.engineUpdate(input); // a read-only heap buffer: copied through engineUpdate(byte[])
      return;
    }
    input.position(input.limit());
  }

  @Override
  protected byte[] engineDigest() {
    byte[] out = new byte[length];
    int ok;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment native_ = arena.allocate(length);
      ok = (int) FUNCTIONS.orElseThrow().finish.invokeExact(context, native_, MemorySegment.NULL);
      MemorySegment.copy(native_, ValueLayout.JAVA_BYTE, 0, out, 0, length);
    } catch (Throwable t) {
      throw new IllegalStateException("EVP_DigestFinal_ex failed", t);
    }
    if (ok != 1) {
      throw new IllegalStateException("EVP_DigestFinal_ex failed");
    }
    init(); // MessageDigest.digest() leaves the digest reset
    return out;
  }

  @Override
  protected void engineReset() {
    init();
  }

  /** libcrypto's EVP functions, or nothing where the library is missing. */
  private record Functions(
      MemorySegment sha256,
      MemorySegment sha512,
      MethodHandle newContext,
      MethodHandle freeContext,
      MethodHandle init,
      MethodHandle update,
      MethodHandle finish) {

    static Optional<Functions> load() {
      try {
        SymbolLookup crypto = Libcrypto.load();
        Linker linker = Linker.nativeLinker();
        ValueLayout ptr = ValueLayout.ADDRESS;
        MethodHandle sha256 =
            linker.downcallHandle(Libcrypto.find(crypto, "EVP_sha256"), FunctionDescriptor.of(ptr));
        MethodHandle sha512 =
            linker.downcallHandle(Libcrypto.find(crypto, "EVP_sha512"), FunctionDescriptor.of(ptr));
        return Optional.of(
            new Functions(
                (MemorySegment) sha256.invokeExact(),
                (MemorySegment) sha512.invokeExact(),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_MD_CTX_new"), FunctionDescriptor.of(ptr)),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_MD_CTX_free"), FunctionDescriptor.ofVoid(ptr)),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_DigestInit_ex"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ptr, ptr, ptr)),
                // Critical: the bytes are hashed where they lie in the Java heap, no copy; the GC
                // waits for at most one CHUNK (well under a millisecond).
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_DigestUpdate"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ptr, ptr, ValueLayout.JAVA_LONG),
                    Linker.Option.critical(true)),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_DigestFinal_ex"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ptr, ptr, ptr))));
      } catch (Throwable t) {
        return Optional.empty();
      }
    }
  }
}
