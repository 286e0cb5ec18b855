package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.linux.CapabilityNames;
import io.caisson.oci.OciSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A container's capabilities: the default set, or all for privileged, with CRI's add / drop. */
final class CapabilitySet {
  private CapabilitySet() {}

  /** Every capability this kernel knows, with the CAP_ prefix. */
  static List<String> all() {
    int last = CapabilityNames.KERNEL_ORDER.size() - 1;
    try {
      last =
          Math.min(
              last,
              Integer.parseInt(
                  io.caisson.linux.ProcFiles.read(Path.of("/proc/sys/kernel/cap_last_cap"))));
    } catch (IOException | NumberFormatException e) {
      // Older or unusual kernels: assume the full table.
    }
    // A runtime can only hand out what it holds itself: some nodes withhold capabilities (this
    // one, CAP_SYS_RESOURCE) from the daemon's bounding set, and runc fails on any of those.
    long bounding = ownBoundingSet();
    List<String> all = new ArrayList<>();
    for (int i = 0; i <= last; i++) {
      if ((bounding & (1L << i)) != 0) {
        all.add("CAP_" + CapabilityNames.KERNEL_ORDER.get(i));
      }
    }
    return all;
  }

  private static long ownBoundingSet() {
    try {
      for (String line :
          io.caisson.linux.ProcFiles.read(Path.of("/proc/self/status")).split("\n")) {
        if (line.startsWith("CapBnd:")) {
          return Long.parseUnsignedLong(line.substring(7).strip(), 16);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Unknown: assume every capability.
    }
    return -1L;
  }

  /**
   * The bounding, effective and permitted set: {@code defaults} (the node's {@code
   * default_capabilities}, CAP_ names) or every capability for a privileged container, with CRI's
   * add and drop applied.
   */
  static List<String> resolve(
      List<String> defaults, boolean privileged, List<String> add, List<String> drop) {
    Set<String> caps = new LinkedHashSet<>(privileged ? all() : defaults);
    List<String> adds = normalise(add);
    List<String> drops = normalise(drop);
    if (adds.contains("CAP_ALL")) {
      caps.addAll(all());
    }
    if (drops.contains("CAP_ALL")) {
      caps.clear();
    }
    for (String cap : adds) {
      if (!cap.equals("CAP_ALL")) {
        caps.add(cap);
      }
    }
    for (String cap : drops) {
      caps.remove(cap);
    }
    return List.copyOf(caps);
  }

  /**
   * The ambient set asked for (CRI's add_ambient_capabilities): capabilities a process keeps across
   * execve as a non-root user. The kernel keeps an ambient capability only while it is also
   * permitted and inheritable, so {@link #withAmbient} puts each in every set.
   */
  /** The node's {@code default_capabilities} as CAP_ names (checked when the config was read). */
  static List<String> defaults(List<String> names) {
    List<String> caps = normalise(names);
    if (caps.contains("CAP_ALL")) {
      throw CaissonException.invalid("ALL is not a default capability: name each one");
    }
    return List.copyOf(new LinkedHashSet<>(caps));
  }

  static List<String> ambient(List<String> names) {
    List<String> ambient = normalise(names);
    if (ambient.contains("CAP_ALL")) {
      throw CaissonException.invalid("ALL is not an ambient capability: name each one");
    }
    return List.copyOf(new LinkedHashSet<>(ambient));
  }

  /**
   * The spec's sets: {@code caps} bounding, effective and permitted, plus the ambient ones (added
   * after the drops: "drop ALL, ambient NET_BIND_SERVICE" is how a non-root server binds port 80).
   */
  static OciSpec.Capabilities withAmbient(List<String> caps, List<String> ambient) {
    if (ambient.isEmpty()) {
      return OciSpec.Capabilities.of(caps);
    }
    Set<String> all = new LinkedHashSet<>(caps);
    all.addAll(ambient);
    List<String> sets = List.copyOf(all);
    return new OciSpec.Capabilities(sets, sets, ambient, sets, ambient);
  }

  private static List<String> normalise(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      String full = CapabilityNames.canonical(name);
      if (full == null) {
        throw CaissonException.invalid("unknown capability %s", name);
      }
      out.add(full);
    }
    return out;
  }
}
