package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.linux.Namespaces;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Applies a pod's sysctls inside the pod's own namespaces. Only namespaced sysctls are allowed:
 * net.* in the network namespace, the IPC ones in the IPC namespace; anything else would change the
 * whole node and is refused.
 */
final class PodSysctls {
  private PodSysctls() {}

  static Namespaces.Kind namespaceOf(String name) {
    if (name.startsWith("net.")) {
      return Namespaces.Kind.NET;
    }
    if (name.startsWith("kernel.shm")
        || name.startsWith("kernel.msg")
        || name.equals("kernel.sem")
        || name.startsWith("fs.mqueue.")) {
      return Namespaces.Kind.IPC;
    }
    throw CaissonException.invalid(
        "sysctl %s is not namespaced (only net.*, kernel.shm*, kernel.msg*, kernel.sem,"
            + " fs.mqueue.* can be set per pod)",
        name);
  }

  /** Checks names and the pod's namespace modes before anything is created. */
  static void validate(Map<String, String> sysctls, boolean hostNetwork, boolean hostIpc) {
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      String name = sysctl.getKey();
      if (!name.matches("[a-z0-9_]+([./][a-zA-Z0-9_-]+)+")) {
        throw CaissonException.invalid("sysctl name '%s' is malformed", name);
      }
      if (sysctl.getValue().contains("\n")) {
        throw CaissonException.invalid("sysctl %s has a value with a newline", name);
      }
      Namespaces.Kind kind = namespaceOf(name);
      if (kind == Namespaces.Kind.NET && hostNetwork) {
        throw CaissonException.invalid("sysctl %s cannot be set for a host-network pod", name);
      }
      if (kind == Namespaces.Kind.IPC && hostIpc) {
        throw CaissonException.invalid("sysctl %s cannot be set for a host-IPC pod", name);
      }
    }
  }

  static void apply(Map<String, String> sysctls, Path netns, Path ipcns) throws Exception {
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      Namespaces.Kind kind = namespaceOf(sysctl.getKey());
      Map<Namespaces.Kind, Path> join = new EnumMap<>(Namespaces.Kind.class);
      join.put(kind, kind == Namespaces.Kind.NET ? netns : ipcns);
      String key = sysctl.getKey();
      Path file = Path.of("/proc/sys", key.contains("/") ? key : key.replace('.', '/'));
      Namespaces.runIn(
          join,
          () -> {
            try {
              Files.writeString(file, sysctl.getValue());
            } catch (NoSuchFileException e) {
              throw CaissonException.invalid("sysctl %s does not exist", sysctl.getKey());
            } catch (java.io.IOException e) {
              throw CaissonException.invalid(
                  "sysctl %s=%s was refused by the kernel: %s",
                  sysctl.getKey(), sysctl.getValue(), e.getMessage());
            }
            return null;
          });
    }
  }
}
