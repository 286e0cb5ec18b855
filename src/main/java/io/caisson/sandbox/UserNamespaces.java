package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.cri.v1.NamespaceOption;
import io.caisson.cri.v1.UserNamespace;
import java.util.List;
import java.util.Optional;

/**
 * A pod runs in the node's user namespace, or (mode POD) in one of its own whose ids map to a range
 * of host ids: its root is then an unprivileged host user. The pod's network, IPC and UTS
 * namespaces belong to that user namespace, and its containers see their image layers and volumes
 * through idmapped mounts, so files keep their owners on disk.
 */
public final class UserNamespaces {
  /**
   * The ids a user namespace maps: {@code length} ids from {@code containerId} to {@code hostId}.
   */
  public record IdRange(long containerId, long hostId, long length) {
    /** The line /proc/PID/uid_map and gid_map take. */
    public String procMapLine() {
      return containerId + " " + hostId + " " + length + "\n";
    }
  }

  /** A pod's own user namespace: its uid and gid maps. */
  public record PodIds(IdRange uids, IdRange gids) {}

  /** The pod's own user namespace's maps, as its record keeps them; empty for the node's. */
  public static Optional<PodIds> of(SandboxRecord pod) {
    return pod.userns() == null
        ? Optional.empty()
        : Optional.of(new PodIds(pod.uids(), pod.gids()));
  }

  // The highest id a range may reach: 2^32 - 1 is (uid_t) -1, which the kernel never maps.
  private static final long MAX_ID = (1L << 32) - 1;

  private UserNamespaces() {}

  /**
   * What the pod asks for: empty for the node's user namespace, the maps for one of its own.
   * INVALID_ARGUMENT for modes a pod cannot have (CONTAINER, TARGET) and for maps Caisson cannot
   * honour: one range each for uids and gids, mapping the pod's root.
   */
  public static Optional<PodIds> forPod(NamespaceOption options) {
    return parse(options, "pod user namespace (security_context.namespace_options.userns_options)");
  }

  private static Optional<PodIds> parse(NamespaceOption options, String where) {
    if (!options.hasUsernsOptions()) {
      return Optional.empty();
    }
    UserNamespace userns = options.getUsernsOptions();
    switch (userns.getMode()) {
      case NODE -> {
        if (userns.getUidsCount() > 0 || userns.getGidsCount() > 0) {
          throw CaissonException.invalid(
              "%s: user namespace mode NODE takes no uid or gid mappings (got %d and %d)",
              where, userns.getUidsCount(), userns.getGidsCount());
        }
        return Optional.empty();
      }
      case POD -> {
        if (options.getNetwork() == NamespaceMode.NODE
            || options.getIpc() == NamespaceMode.NODE
            || options.getPid() == NamespaceMode.NODE) {
          throw CaissonException.invalid(
              "%s: a pod of its own user namespace cannot share the node's network, IPC or PID"
                  + " namespace",
              where);
        }
        return Optional.of(
            new PodIds(
                range(userns.getUidsList(), where, "uid"),
                range(userns.getGidsList(), where, "gid")));
      }
      default ->
          throw CaissonException.invalid(
              "%s: user namespace mode %s is not supported for a pod (NODE or POD)",
              where, userns.getMode());
    }
  }

  /**
   * A container's options against its pod's: it may repeat the pod's user namespace or say nothing,
   * and runs in the pod's either way.
   */
  public static void requireSameAsPod(NamespaceOption options, Optional<PodIds> pod) {
    if (!options.hasUsernsOptions()) {
      return;
    }
    String where = "container user namespace (security_context.namespace_options.userns_options)";
    Optional<PodIds> asked = parse(options, where);
    if (options.getUsernsOptions().getMode() == NamespaceMode.POD && !asked.equals(pod)) {
      throw CaissonException.invalid(
          "%s: user namespace mode POD must repeat the pod's own user namespace and mappings",
          where);
    }
    if (options.getUsernsOptions().getMode() == NamespaceMode.NODE && pod.isPresent()) {
      throw CaissonException.invalid(
          "%s: user namespace mode NODE in a pod of its own user namespace", where);
    }
  }

  private static IdRange range(List<IDMapping> mappings, String where, String kind) {
    if (mappings.size() != 1) {
      throw CaissonException.invalid(
          "%s: a pod's user namespace takes exactly one %s mapping (got %d)",
          where, kind, mappings.size());
    }
    IDMapping m = mappings.getFirst();
    long containerId = Integer.toUnsignedLong(m.getContainerId());
    long hostId = Integer.toUnsignedLong(m.getHostId());
    long length = Integer.toUnsignedLong(m.getLength());
    if (containerId != 0) {
      throw CaissonException.invalid(
          "%s: the %s mapping must start at container id 0 (the pod's root), not %d",
          where, kind, containerId);
    }
    if (length == 0 || hostId + length > MAX_ID) {
      throw CaissonException.invalid(
          "%s: %s mapping of %d ids from host id %d is empty or beyond the id space",
          where, kind, length, hostId);
    }
    if (hostId == 0) {
      throw CaissonException.invalid(
          "%s: the %s mapping may not map the pod's root to the host's root (host id 0)",
          where, kind);
    }
    return new IdRange(containerId, hostId, length);
  }
}
