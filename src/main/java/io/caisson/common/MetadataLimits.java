package io.caisson.common;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Bounds on the free-form metadata a client attaches to pods and containers. Every List answer
 * carries it, so one pod with 100k labels would make each ListContainers huge (past kubelet's 16
 * MiB receive limit): refused up front, at Kubernetes' own bound for annotations.
 */
public final class MetadataLimits {
  /** Total bytes of keys and values in one map: Kubernetes' TotalAnnotationSizeLimitB. */
  public static final int MAX_BYTES = 256 * 1024;

  private MetadataLimits() {}

  /**
   * @param owner what the metadata belongs to, for the message ("container config")
   */
  public static void require(
      String owner, Map<String, String> labels, Map<String, String> annotations) {
    check(owner, "labels", labels);
    check(owner, "annotations", annotations);
  }

  private static void check(String owner, String what, Map<String, String> map) {
    long bytes = 0;
    for (Map.Entry<String, String> e : map.entrySet()) {
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length;
      bytes += e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_BYTES) {
        throw CaissonException.invalid(
            "%s: %s (%d entries) exceed %d bytes in total", owner, what, map.size(), MAX_BYTES);
      }
    }
  }
}
