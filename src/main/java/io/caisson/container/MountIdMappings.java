package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.IDMapping;
import io.caisson.cri.v1.Mount;
import io.caisson.cri.v1.MountPropagation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A mount's own id mappings (CRI's {@code Mount.uidMappings} and {@code gidMappings}) as the lines
 * of a user namespace's {@code uid_map} and {@code gid_map}: the volume is then seen through an
 * idmapped mount, a file owned by a mapping's {@code container_id} on disk appearing owned by its
 * {@code host_id}. Checked here, before anything is made, so a bad mapping is the caller's error
 * and not the kernel's EINVAL.
 */
record MountIdMappings(String uidMap, String gidMap) {
  /** The kernel takes at most this many lines in a uid_map (Linux 4.15+). */
  private static final int MAX_LINES = 340;

  /** ... and reads them in one write(2) of less than a page. */
  private static final int MAX_MAP_BYTES = 4096;

  /** Ids run from 0 to 2^32 - 2: (uid_t) -1 means "no id" to the kernel. */
  private static final long ID_LIMIT = (1L << 32) - 1;

  /** The mount's mappings, or null when it has none. */
  static MountIdMappings of(Mount mount) {
    if (mount.getUidMappingsCount() == 0 && mount.getGidMappingsCount() == 0) {
      return null;
    }
    String where = "mount " + mount.getContainerPath();
    if (mount.getUidMappingsCount() == 0 || mount.getGidMappingsCount() == 0) {
      throw CaissonException.invalid(
          "%s: uidMappings and gidMappings go together (an idmapped mount maps both)", where);
    }
    if (!mount.getImage().getImage().isEmpty()) {
      throw CaissonException.invalid(
          "%s: id mappings apply to host_path volumes, not to image volumes", where);
    }
    if (mount.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
      // Not taken with explicit mappings (kubelet sends none): the clone made for them has not
      // been checked to receive the host's mounts, as the volumes idmapped for a pod's own user
      // namespace do.
      throw CaissonException.invalid(
          "%s: an idmapped mount cannot have %s propagation", where, mount.getPropagation());
    }
    return new MountIdMappings(
        lines(mount.getUidMappingsList(), where + " uidMappings"),
        lines(mount.getGidMappingsList(), where + " gidMappings"));
  }

  private static String lines(List<IDMapping> mappings, String what) {
    if (mappings.size() > MAX_LINES) {
      throw CaissonException.invalid(
          "%s: %d ranges, the kernel takes at most %d", what, mappings.size(), MAX_LINES);
    }
    StringBuilder text = new StringBuilder();
    for (IDMapping m : mappings) {
      long inside = Integer.toUnsignedLong(m.getContainerId());
      long outside = Integer.toUnsignedLong(m.getHostId());
      long length = Integer.toUnsignedLong(m.getLength());
      if (length == 0 || inside + length > ID_LIMIT || outside + length > ID_LIMIT) {
        throw CaissonException.invalid(
            "%s: range container_id %d host_id %d length %d is empty or past the id space",
            what, inside, outside, length);
      }
      text.append(inside).append(' ').append(outside).append(' ').append(length).append('\n');
    }
    if (text.length() >= MAX_MAP_BYTES) {
      // The kernel reads a map in one write of less than a page.
      throw CaissonException.invalid(
          "%s: the ranges take %d bytes written out, the kernel takes less than %d",
          what, text.length(), MAX_MAP_BYTES);
    }
    requireDisjoint(mappings, IDMapping::getContainerId, what, "container");
    requireDisjoint(mappings, IDMapping::getHostId, what, "host");
    return text.toString();
  }

  private static void requireDisjoint(
      List<IDMapping> mappings, ToIntFunction<IDMapping> start, String what, String side) {
    List<IDMapping> sorted = new ArrayList<>(mappings);
    sorted.sort(Comparator.comparingLong(m -> Integer.toUnsignedLong(start.applyAsInt(m))));
    for (int i = 1; i < sorted.size(); i++) {
      long previousEnd =
          Integer.toUnsignedLong(start.applyAsInt(sorted.get(i - 1)))
              + Integer.toUnsignedLong(sorted.get(i - 1).getLength());
      if (Integer.toUnsignedLong(start.applyAsInt(sorted.get(i))) < previousEnd) {
        throw CaissonException.invalid("%s: ranges overlap on the %s side", what, side);
      }
    }
  }
}
