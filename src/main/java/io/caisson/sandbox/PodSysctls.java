package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.linux.Namespaces;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

  /**
   * Writes the sysctls in the calling thread's namespaces: call it on the thread that has just
   * created the pod's network and IPC namespaces ({@link #validate} rejected any the pod lacks).
   */
  static void applyHere(Map<String, String> sysctls) {
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      String key = sysctl.getKey();
      Path file = Path.of("/proc/sys", key.contains("/") ? key : key.replace('.', '/'));
      try {
        Files.writeString(file, sysctl.getValue());
      } catch (NoSuchFileException e) {
        throw CaissonException.invalid("sysctl %s does not exist", key);
      } catch (java.io.IOException e) {
        throw CaissonException.invalid(
            "sysctl %s=%s was refused by the kernel: %s", key, sysctl.getValue(), e.getMessage());
      }
    }
  }
}
