package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import io.caisson.common.SearchPath;
import io.caisson.linux.NamespacedSysctls;
import io.caisson.linux.Namespaces;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Applies a pod's sysctls inside the pod's own namespaces. Only namespaced sysctls are allowed:
 * net.* in the network namespace, the IPC ones in the IPC namespace; anything else would change the
 * whole node and is refused.
 */
final class PodSysctls {
  private PodSysctls() {}

  /**
   * What a pod gets: the node's defaults for the namespaces it has of its own (a host-network pod
   * keeps the node's net.* values), under the pod's own sysctls, which win.
   */
  static Map<String, String> effective(
      Map<String, String> defaults, Map<String, String> pod, boolean hostNetwork, boolean hostIpc) {
    Map<String, String> out = new LinkedHashMap<>();
    canonical(defaults)
        .forEach(
            (name, value) -> {
              Namespaces.Kind kind = namespaceOf(name);
              if (!(kind == Namespaces.Kind.NET && hostNetwork)
                  && !(kind == Namespaces.Kind.IPC && hostIpc)) {
                out.put(name, value);
              }
            });
    out.putAll(canonical(pod));
    return out;
  }

  /** The sysctls of {@code kind}'s namespace among {@code sysctls}. */
  static Map<String, String> of(Map<String, String> sysctls, Namespaces.Kind kind) {
    Map<String, String> out = new LinkedHashMap<>();
    sysctls.forEach(
        (name, value) -> {
          if (namespaceOf(name) == kind) {
            out.put(name, value);
          }
        });
    return out;
  }

  private static Map<String, String> canonical(Map<String, String> sysctls) {
    Map<String, String> out = new LinkedHashMap<>();
    sysctls.forEach((name, value) -> out.put(NamespacedSysctls.canonical(name), value));
    return out;
  }

  static Namespaces.Kind namespaceOf(String name) {
    Namespaces.Kind kind = NamespacedSysctls.namespaceOf(NamespacedSysctls.canonical(name));
    if (kind == null) {
      throw CaissonException.invalid(
          "sysctl %s is not namespaced (only %s can be set per pod)",
          name, NamespacedSysctls.NAMESPACED);
    }
    return kind;
  }

  /** Checks names and the pod's namespace modes before anything is created. */
  static void validate(Map<String, String> sysctls, boolean hostNetwork, boolean hostIpc) {
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      String name = sysctl.getKey();
      if (!NamespacedSysctls.wellFormed(name)) {
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
   * Writes IPC sysctls in a pod of its own user namespace. Since Linux 5.17 only the root of the
   * user namespace that owns an IPC namespace may write its sysctls, and the daemon's threads
   * cannot join a user namespace (a process with threads may not), so {@code nsenter} does: it
   * joins the pod's user namespace as its root, then its IPC namespace, and writes the file.
   */
  static void applyAsPodRoot(Map<String, String> sysctls, Path userns, Path ipcns) {
    Path nsenter =
        SearchPath.parse(System.getenv("PATH"))
            .find("nsenter")
            .orElseThrow(
                () ->
                    CaissonException.precondition(
                        "nsenter (util-linux) is not on the daemon's PATH: the IPC sysctls of a"
                            + " pod with a user namespace cannot be set"));
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      List<String> argv =
          List.of(
              nsenter.toString(),
              "--user=" + userns,
              "--ipc=" + ipcns,
              "--",
              "/bin/sh",
              "-c",
              "printf '%s' \"$1\" > \"$2\"",
              "sh",
              sysctl.getValue(),
              NamespacedSysctls.procFile(sysctl.getKey()).toString());
      try {
        Process p = new Spawn(argv).stdin(Stdio.NULL).stdout(Stdio.NULL).start();
        byte[] error = p.getErrorStream().readNBytes(4096);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw CaissonException.internal("setting sysctl " + sysctl.getKey() + " timed out", null);
        }
        if (p.exitValue() != 0) {
          throw CaissonException.invalid(
              "sysctl %s=%s was refused by the kernel: %s",
              sysctl.getKey(),
              sysctl.getValue(),
              new String(error, StandardCharsets.UTF_8).strip());
        }
      } catch (IOException e) {
        throw CaissonException.internal("cannot run nsenter for sysctl " + sysctl.getKey(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CaissonException.internal("interrupted setting sysctl " + sysctl.getKey(), e);
      }
    }
  }

  /**
   * Writes the sysctls (canonical names, from {@link #effective}) in the calling thread's
   * namespaces: call it on a thread in the pod's namespaces ({@link #validate} rejected any the pod
   * lacks).
   */
  static void applyHere(Map<String, String> sysctls) {
    for (Map.Entry<String, String> sysctl : sysctls.entrySet()) {
      String key = sysctl.getKey();
      Path file = NamespacedSysctls.procFile(key);
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
