package io.caisson.linux;

import java.io.IOException;

/** A failed system call, carrying errno so callers can tell EEXIST from EPERM. */
public final class SyscallException extends IOException {
  private final String call;
  private final int errno;

  public SyscallException(String call, String subject, int errno) {
    super(call + "(" + subject + "): " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }
}
