package io.caisson.image;

import io.caisson.common.CaissonException;
import java.util.ArrayList;
import java.util.List;

/**
 * The images kubelet's garbage collection must leave on the node (CRI's {@code Image.pinned}): the
 * pause image, and the operator's {@code pinned_images} patterns, read as CRI-O reads its own: an
 * exact name, a prefix ending in {@code *}, or a keyword between two {@code *}. An exact name is
 * normalized as a pull would normalize it ({@code busybox} is docker.io/library/busybox:latest).
 */
public final class PinnedImages {
  public static final PinnedImages NONE = new PinnedImages(List.of());

  /** The patterns, exact names normalized once here rather than at every list. */
  private final List<String> patterns;

  /** IllegalArgumentException names a pattern that is not one. */
  public PinnedImages(List<String> patterns) {
    List<String> normalized = new ArrayList<>();
    for (String p : patterns) {
      String problem = problem(p);
      if (problem != null) {
        throw new IllegalArgumentException("pinned image pattern '" + p + "' " + problem);
      }
      normalized.add(p.endsWith("*") ? p : ImageReference.parse(p).withDefaultTag().toString());
    }
    this.patterns = List.copyOf(normalized);
  }

  /** Why {@code pattern} is not one, or null when it is. */
  public static String problem(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      return "is empty";
    }
    if (pattern.equals("*")) {
      return null;
    }
    String inner = pattern.substring(pattern.startsWith("*") ? 1 : 0, pattern.length() - 1);
    if (inner.contains("*") || (!pattern.endsWith("*") && pattern.contains("*"))) {
      return "has a * elsewhere than at its end, or at both ends";
    }
    if (!pattern.endsWith("*")) {
      try {
        ImageReference.parse(pattern);
      } catch (CaissonException e) {
        return "is not an image name: " + e.getMessage();
      }
    }
    return null;
  }

  /** Whether any of the image's names matches a pattern. */
  public boolean pins(ImageRecord image) {
    return patterns.stream()
        .anyMatch(
            p ->
                image.repoTags().stream().anyMatch(name -> matches(p, name))
                    || image.repoDigests().stream().anyMatch(name -> matches(p, name)));
  }

  static boolean matches(String pattern, String name) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.startsWith("*") && pattern.endsWith("*")) {
      return name.contains(pattern.substring(1, pattern.length() - 1));
    }
    if (pattern.endsWith("*")) {
      return name.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return name.equals(pattern);
  }
}
