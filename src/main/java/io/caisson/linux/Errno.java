package io.caisson.linux;

/** The errno values Caisson reacts to, and a readable name for any value. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int ENXIO = 6;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int ENAMETOOLONG = 36;
  public static final int ENODATA = 61;
  public static final int ENOTSUP = 95;

  private Errno() {}

  static String describe(int errno) {
    String name =
        switch (errno) {
          case EPERM -> "EPERM (operation not permitted)";
          case ENOENT -> "ENOENT (no such file or directory)";
          case ESRCH -> "ESRCH (no such process)";
          case EINTR -> "EINTR (interrupted)";
          case ENXIO -> "ENXIO (no such device or address)";
          case EAGAIN -> "EAGAIN (try again)";
          case EACCES -> "EACCES (permission denied)";
          case EBUSY -> "EBUSY (device or resource busy)";
          case EEXIST -> "EEXIST (file exists)";
          case ENOTDIR -> "ENOTDIR (not a directory)";
          case EINVAL -> "EINVAL (invalid argument)";
          case ENOSPC -> "ENOSPC (no space left on device)";
          case ENAMETOOLONG -> "ENAMETOOLONG (file name too long)";
          case ENODATA -> "ENODATA (no data available)";
          case ENOTSUP -> "EOPNOTSUPP (operation not supported)";
          default -> "errno " + errno;
        };
    return name;
  }
}
