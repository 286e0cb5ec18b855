package io.caisson.linux;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** struct sockaddr_un for the sockets the JDK cannot open (datagram, seqpacket). */
final class UnixAddress {
  static final int AF_UNIX = 1;
  static final int SUN_PATH_MAX = 108;

  /** The size to allocate for one address. */
  static final long SIZE = 2 + SUN_PATH_MAX;

  private UnixAddress() {}

  /**
   * Fills {@code into} with the address of {@code address} and returns its length: a path, or an
   * abstract name written {@code @name} (it starts with a NUL byte and is not NUL-terminated, so
   * its length is exact).
   */
  static int fill(String address, MemorySegment into) throws IOException {
    boolean isAbstract = address.startsWith("@");
    byte[] name = address.getBytes(StandardCharsets.UTF_8);
    if (name.length <= 1 && isAbstract || name.length == 0) {
      throw new IOException("empty AF_UNIX address");
    }
    if (name.length >= SUN_PATH_MAX) {
      throw new IOException("AF_UNIX address too long (" + name.length + " bytes): " + address);
    }
    into.fill((byte) 0);
    into.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(name, 0, into, ValueLayout.JAVA_BYTE, 2, name.length);
    if (isAbstract) {
      into.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
      return 2 + name.length;
    }
    return 2 + name.length + 1;
  }
}
