package io.caisson.common;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tells a full filesystem (ENOSPC, EDQUOT) among a failure's causes. A full disk is the one local
 * write failure an operator fixes by freeing space, and kubelet's image garbage collection reacts
 * to it, so it must reach the caller as RESOURCE_EXHAUSTED, not as a registry or internal error.
 *
 * <p>The JDK reports errno only as {@code strerror} text in an {@code IOException}'s message (the
 * daemon runs in a C.UTF-8 locale, so the text is English), and {@code SyscallException} names it
 * the same way: the message is all there is to go by.
 */
public final class OutOfSpace {
  private static final String[] MARKERS = {"no space left on device", "disk quota exceeded"};

  private OutOfSpace() {}

  /** Whether {@code failure} or any of its causes is a full filesystem or an exhausted quota. */
  public static boolean causedBy(Throwable failure) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      String lower = message.toLowerCase(Locale.ROOT);
      for (String marker : MARKERS) {
        if (lower.contains(marker)) {
          return true;
        }
      }
    }
    return false;
  }
}
