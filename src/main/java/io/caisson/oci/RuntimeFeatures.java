package io.caisson.oci;

import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the OCI runtime binary says it can do ({@code runc features}, runc 1.1 and later), checked
 * against the kernel it runs on. Only what Caisson advertises to kubelet is kept.
 *
 * @param mountOptions the mount options the runtime understands, e.g. {@code rro}
 * @param namespaces the namespace kinds the runtime can create or join, e.g. {@code user}
 * @param kernelRelease the running kernel's release string ({@code /proc/sys/kernel/osrelease})
 */
public record RuntimeFeatures(
    Set<String> mountOptions, Set<String> namespaces, String kernelRelease) {
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

  public RuntimeFeatures {
    mountOptions = Set.copyOf(mountOptions);
    namespaces = Set.copyOf(namespaces);
  }

  /** A runtime that answered nothing (too old for {@code features}, or failing). */
  public static RuntimeFeatures none(String kernelRelease) {
    return new RuntimeFeatures(Set.of(), Set.of(), kernelRelease);
  }

  /** Reads the JSON {@code runc features} prints; unknown fields are ignored. */
  public static RuntimeFeatures parse(byte[] json, String kernelRelease) throws IOException {
    JsonValue root = Json.parse(json);
    if (root == null || !root.isObject()) {
      throw new IOException("runtime features: not a JSON object");
    }
    Set<String> options = new LinkedHashSet<>();
    for (JsonValue option : root.path("mountOptions")) {
      options.add(option.asText());
    }
    Set<String> namespaces = new LinkedHashSet<>();
    for (JsonValue kind : root.path("linux").path("namespaces")) {
      namespaces.add(kind.asText());
    }
    return new RuntimeFeatures(options, namespaces, kernelRelease);
  }

  /**
   * Recursive read-only bind mounts: the runtime's {@code rro} option, which it applies with
   * mount_setattr(2), a syscall of Linux 5.12 and later.
   */
  public boolean recursiveReadOnlyMounts() {
    return mountOptions.contains("rro") && kernelAtLeast(5, 12);
  }

  /**
   * Pods of their own user namespace, as far as the runtime and kernel go: the runtime joins a user
   * namespace, and overlayfs takes idmapped layers (Linux 5.19 and later). Whether the image
   * store's filesystem can be idmapped is the caller's to check.
   */
  public boolean userNamespaces() {
    return namespaces.contains("user") && kernelAtLeast(5, 19);
  }

  boolean kernelAtLeast(int major, int minor) {
    Matcher m = RELEASE.matcher(kernelRelease);
    if (!m.find()) {
      return false;
    }
    int haveMajor = Integer.parseInt(m.group(1));
    int haveMinor = Integer.parseInt(m.group(2));
    return haveMajor > major || (haveMajor == major && haveMinor >= minor);
  }
}
