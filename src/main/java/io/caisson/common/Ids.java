package io.caisson.common;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Object ids: 64 random hex digits, like other CRI runtimes, so tools can shorten them. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * Checks an id or id prefix from a request before it touches a path or a map: empty, too long, or
   * anything but lowercase hex is refused, so '/' and '..' never reach the file system.
   */
  public static String requireValid(String what, String id) {
    if (id == null || id.isEmpty()) {
      throw CaissonException.invalid("%s is required", what);
    }
    if (id.length() > 64
        || !id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw CaissonException.invalid(
          "%s '%s' is not an id (up to 64 lowercase hex digits)", what, shorten(id));
    }
    return id;
  }

  private static String shorten(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "…" : text;
  }
}
