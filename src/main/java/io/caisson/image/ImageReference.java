package io.caisson.image;

import io.caisson.common.CaissonException;
import java.util.regex.Pattern;

/**
 * A docker-style image reference, normalized: {@code busybox} becomes {@code
 * docker.io/library/busybox}. {@code tag} and {@code digest} may each be null; {@link
 * #withDefaultTag()} adds {@code latest} when both are.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
  public static final String DEFAULT_REGISTRY = "docker.io";
  public static final String DEFAULT_TAG = "latest";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
              + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");

  /**
   * A reference as written without a registry ({@code busybox:1}, {@code team/app}): its repository
   * as written, and its tag and digest suffix as written ({@code ":1"}, {@code "@sha256:..."}, or
   * empty).
   */
  public record ShortName(String repository, String tagAndDigest) {}

  /**
   * The short name {@code text} is, or null when it names its registry (a first component with a
   * dot or a port, or {@code localhost}). Malformed input is INVALID_ARGUMENT.
   */
  public static ShortName shortName(String text) {
    parse(text); // validates
    String rest = text.trim();
    int at = rest.indexOf('@');
    String beforeDigest = at >= 0 ? rest.substring(0, at) : rest;
    int lastColon = beforeDigest.lastIndexOf(':');
    int end = lastColon > beforeDigest.lastIndexOf('/') ? lastColon : beforeDigest.length();
    String repository = rest.substring(0, end);
    int slash = repository.indexOf('/');
    if (slash > 0) {
      String first = repository.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        return null;
      }
    }
    return new ShortName(repository, rest.substring(end));
  }

  /**
   * {@code docker.io} for the other names Docker Hub goes by (its API host, its index, its old web
   * name), as credentials are keyed under any of them; any other host as it is.
   */
  static String dockerHubAlias(String host) {
    return switch (host) {
      case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> DEFAULT_REGISTRY;
      default -> host;
    };
  }

  /** Whether {@code host} is a registry host as references write it (a name or IP, a port). */
  public static boolean isRegistryHost(String host) {
    return DOMAIN.matcher(host).matches();
  }

  /** Parses and normalizes a reference; malformed input is INVALID_ARGUMENT. */
  public static ImageReference parse(String text) {
    if (text == null || text.isBlank()) {
      throw CaissonException.invalid("empty image reference");
    }
    String rest = text.trim();
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (CaissonException e) {
        throw CaissonException.invalid("invalid image reference %s: bad digest", text);
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastColon = rest.lastIndexOf(':');
    if (lastColon > rest.lastIndexOf('/')) {
      tag = rest.substring(lastColon + 1);
      rest = rest.substring(0, lastColon);
      if (!TAG.matcher(tag).matches()) {
        throw CaissonException.invalid("invalid image reference %s: bad tag %s", text, tag);
      }
    }
    String registry = DEFAULT_REGISTRY;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (!DOMAIN.matcher(first).matches()) {
          throw CaissonException.invalid("invalid image reference %s: bad registry", text);
        }
        registry = first;
        path = rest.substring(slash + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DEFAULT_REGISTRY;
    }
    if (path.isEmpty()) {
      throw CaissonException.invalid("invalid image reference %s: empty repository", text);
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw CaissonException.invalid(
            "invalid image reference %s: bad repository component '%s'", text, component);
      }
    }
    if (registry.equals(DEFAULT_REGISTRY) && !path.contains("/")) {
      if (HEX64.matcher(path).matches()) {
        throw CaissonException.invalid(
            "invalid image reference %s: a 64-hex repository name looks like an image id", text);
      }
      path = "library/" + path;
    }
    if (registry.length() + 1 + path.length() > 255) {
      throw CaissonException.invalid("invalid image reference %s: name too long", text);
    }
    return new ImageReference(registry, path, tag, digest);
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  public ImageReference withDefaultTag() {
    return tag == null && digest == null
        ? new ImageReference(registry, repository, DEFAULT_TAG, null)
        : this;
  }

  /** {@code name:tag}, or null without a tag. */
  public String taggedName() {
    return tag == null ? null : name() + ":" + tag;
  }

  /** {@code name@digest} for the given manifest digest. */
  public String digestedName(Digest manifestDigest) {
    return name() + "@" + manifestDigest;
  }

  /** What to ask the registry's manifests endpoint for: the digest if any, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : (tag != null ? tag : DEFAULT_TAG);
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
