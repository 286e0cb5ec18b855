package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.UserNamespace;

/**
 * Pods and containers run in the node's user namespace only, and say so when asked for another.
 *
 * <p>A pod of its own user namespace needs its image layers and volumes idmapped (the files keep
 * their owners on disk and appear as the pod's ids inside); Debian's runc 1.1 has no idmap mount
 * option, so Caisson would have to idmap each layer and volume itself. Not built, and therefore not
 * advertised in Status (kubelet does not ask unless it is).
 */
public final class UserNamespaces {
  private UserNamespaces() {}

  /**
   * @param where the request's part that holds the options, for the message
   */
  public static void requireNodeMode(NamespaceOption options, String where) {
    if (!options.hasUsernsOptions()) {
      return;
    }
    UserNamespace userns = options.getUsernsOptions();
    if (userns.getMode() != NamespaceMode.NODE) {
      throw CaissonException.invalid(
          "%s: user namespace mode %s is not supported by this runtime handler (only NODE: it"
              + " does not advertise user namespaces)",
          where, userns.getMode());
    }
    if (userns.getUidsCount() > 0 || userns.getGidsCount() > 0) {
      throw CaissonException.invalid(
          "%s: user namespace mode NODE takes no uid or gid mappings (got %d and %d)",
          where, userns.getUidsCount(), userns.getGidsCount());
    }
  }
}
