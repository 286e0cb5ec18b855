package io.caisson.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * AES-256 in counter mode by the node's OpenSSL (libcrypto.so.3) through {@code java.lang.foreign},
 * for encrypted layers. The reason is {@link OpenSslDigest}'s: the JDK's AES-CTR reaches the CPU's
 * AES instructions only once C2 has compiled it, and the daemon runs C1 alone (a third of the speed
 * measured here). Where libcrypto cannot be loaded, {@link #create} answers empty and the caller
 * uses the JDK's cipher.
 */
public final class OpenSslAesCtr {
  /** Longest single update handed to libcrypto while the GC waits (a critical call). */
  private static final int CHUNK = 1 << 20;

  private static final Optional<Functions> FUNCTIONS = Functions.load();

  private final MemorySegment context;
  private final int[] written = new int[1];

  private OpenSslAesCtr(MemorySegment context) {
    this.context = context;
  }

  /** A decrypting counter-mode AES-256 with this 32-byte key and 16-byte initial counter. */
  public static Optional<OpenSslAesCtr> create(byte[] key, byte[] iv) {
    if (key.length != 32 || iv.length != 16) {
      throw new IllegalArgumentException("AES-256-CTR takes a 32-byte key and a 16-byte IV");
    }
    return FUNCTIONS.map(
        f -> {
          // EVP_CIPHER_CTX_free also wipes the key schedule the context holds.
          MemorySegment context =
              Libcrypto.autoFreedContext(f.newContext, f.freeContext, "EVP_CIPHER_CTX");
          int ok;
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocateFrom(ValueLayout.JAVA_BYTE, key);
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_BYTE, iv);
            ok = (int) f.init.invokeExact(context, f.aes256Ctr, MemorySegment.NULL, k, v);
            k.fill((byte) 0);
          } catch (Throwable t) {
            throw new IllegalStateException("EVP_DecryptInit_ex failed", t);
          }
          if (ok != 1) {
            throw new IllegalStateException("EVP_DecryptInit_ex failed");
          }
          return new OpenSslAesCtr(context);
        });
  }

  /** Decrypts {@code len} bytes of {@code buf} from {@code off} in place. */
  public void update(byte[] buf, int off, int len) {
    MemorySegment array = MemorySegment.ofArray(buf);
    MemorySegment out = MemorySegment.ofArray(written);
    for (int done = 0; done < len; ) {
      int n = Math.min(CHUNK, len - done);
      MemorySegment slice = array.asSlice(off + done, n);
      int ok;
      try {
        ok = (int) FUNCTIONS.orElseThrow().update.invokeExact(context, slice, out, slice, n);
      } catch (Throwable t) {
        throw new IllegalStateException("EVP_DecryptUpdate failed", t);
      }
      if (ok != 1 || written[0] != n) {
        throw new IllegalStateException("EVP_DecryptUpdate failed");
      }
      done += n;
    }
  }

  /** libcrypto's EVP cipher functions, or nothing where the library is missing. */
  private record Functions(
      MemorySegment aes256Ctr,
      MethodHandle newContext,
      MethodHandle freeContext,
      MethodHandle init,
      MethodHandle update) {

    static Optional<Functions> load() {
      try {
        SymbolLookup crypto = Libcrypto.load();
        Linker linker = Linker.nativeLinker();
        ValueLayout ptr = ValueLayout.ADDRESS;
        MethodHandle cipher =
            linker.downcallHandle(
                Libcrypto.find(crypto, "EVP_aes_256_ctr"), FunctionDescriptor.of(ptr));
        return Optional.of(
            new Functions(
                (MemorySegment) cipher.invokeExact(),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_CIPHER_CTX_new"), FunctionDescriptor.of(ptr)),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_CIPHER_CTX_free"), FunctionDescriptor.ofVoid(ptr)),
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_DecryptInit_ex"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ptr, ptr, ptr, ptr, ptr)),
                // Critical: the bytes are decrypted where they lie in the Java heap, in place; the
                // GC waits for at most one CHUNK.
                linker.downcallHandle(
                    Libcrypto.find(crypto, "EVP_DecryptUpdate"),
                    FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ptr, ptr, ptr, ptr, ValueLayout.JAVA_INT),
                    Linker.Option.critical(true))));
      } catch (Throwable t) {
        return Optional.empty();
      }
    }
  }
}
