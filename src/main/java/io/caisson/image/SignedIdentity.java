package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonValue;
import java.util.Set;

/**
 * Which names a signature may carry for the image being pulled: a trust policy's {@code
 * signedIdentity} (containers-policy.json(5)). A signature names the image it was made for ({@code
 * docker-reference}); without this check a valid signature of one image would vouch for another
 * image's name.
 */
sealed interface SignedIdentity {
  /**
   * Whether a signature naming {@code signed} vouches for pulling {@code intended}, the name
   * kubelet asked for.
   */
  boolean accepts(ImageReference intended, String signed);

  /** Tag and digest must both match exactly. */
  record MatchExact() implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      ImageReference s = parseOrNull(signed);
      return s != null && !nameOnly(intended) && !nameOnly(s) && s.equals(intended);
    }
  }

  /**
   * The default: a pull by tag needs a signature for that tag, a pull by digest one for the
   * repository (the digest is checked against the signature's own).
   */
  record MatchRepoDigestOrExact() implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      return repoDigestOrExact(intended, parseOrNull(signed));
    }
  }

  /** Any signature for the same repository. */
  record MatchRepository() implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      ImageReference s = parseOrNull(signed);
      return s != null && s.name().equals(intended.name());
    }
  }

  /** The signature must name exactly this reference, whatever was pulled. */
  record ExactReference(ImageReference reference) implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      ImageReference s = parseOrNull(signed);
      return s != null && !nameOnly(s) && s.equals(reference);
    }
  }

  /** The signature must name this repository, whatever was pulled. */
  record ExactRepository(String repository) implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      ImageReference s = parseOrNull(signed);
      return s != null && s.name().equals(repository);
    }
  }

  /**
   * As {@link MatchRepoDigestOrExact}, with the pulled name's {@code prefix} read as {@code
   * signedPrefix}: images signed under one name and served under another (a mirror's).
   */
  record RemapIdentity(String prefix, String signedPrefix) implements SignedIdentity {
    @Override
    public boolean accepts(ImageReference intended, String signed) {
      ImageReference remapped = intended;
      String name = intended.name();
      if (name.equals(prefix) || name.startsWith(prefix + "/")) {
        String text = signedPrefix + intended.toString().substring(prefix.length());
        remapped = parseOrNull(text);
        if (remapped == null || !remapped.toString().equals(text)) {
          return false; // the remapped name is not a reference in its normalized form
        }
      }
      return repoDigestOrExact(remapped, parseOrNull(signed));
    }
  }

  /** Reads a {@code signedIdentity} object; IllegalArgumentException names what is wrong. */
  static SignedIdentity parse(String where, JsonValue node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return new MatchRepoDigestOrExact();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": signedIdentity is not an object");
    }
    String type = node.path("type").asText("");
    return switch (type) {
      case "matchExact" -> only(where, node, Set.of(), new MatchExact());
      case "matchRepoDigestOrExact" -> only(where, node, Set.of(), new MatchRepoDigestOrExact());
      case "matchRepository" -> only(where, node, Set.of(), new MatchRepository());
      case "exactReference" -> {
        String text = field(where, node, "dockerReference");
        ImageReference r = parseOrNull(text);
        if (r == null || nameOnly(r)) {
          throw new IllegalArgumentException(
              where + ": exactReference '" + text + "' is not a reference with a tag or digest");
        }
        yield only(where, node, Set.of("dockerReference"), new ExactReference(r));
      }
      case "exactRepository" -> {
        String text = field(where, node, "dockerRepository");
        ImageReference r = parseOrNull(text);
        if (r == null || !nameOnly(r)) {
          throw new IllegalArgumentException(
              where + ": exactRepository '" + text + "' is not a repository name");
        }
        yield only(where, node, Set.of("dockerRepository"), new ExactRepository(r.name()));
      }
      case "remapIdentity" -> {
        String prefix = prefix(where, field(where, node, "prefix"));
        String signedPrefix = prefix(where, field(where, node, "signedPrefix"));
        yield only(
            where, node, Set.of("prefix", "signedPrefix"), new RemapIdentity(prefix, signedPrefix));
      }
      case "" -> throw new IllegalArgumentException(where + ": signedIdentity has no \"type\"");
      default ->
          throw new IllegalArgumentException(
              where + ": unknown signedIdentity type '" + type + "'");
    };
  }

  private static SignedIdentity only(
      String where, JsonValue node, Set<String> fields, SignedIdentity identity) {
    for (var property : node.properties()) {
      String name = property.getKey();
      if (!name.equals("type") && !fields.contains(name)) {
        throw new IllegalArgumentException(
            where
                + ": signedIdentity of type "
                + node.get("type").asText()
                + " has no field '"
                + name
                + "'");
      }
    }
    return identity;
  }

  private static String field(String where, JsonValue node, String name) {
    JsonValue value = node.get(name);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException(
          where + ": signedIdentity " + node.get("type").asText() + " needs \"" + name + "\"");
    }
    return value.asText();
  }

  /** A remapping prefix: a registry host, or a normalized repository name without tag. */
  private static String prefix(String where, String text) {
    if (text.matches("[A-Za-z0-9.-]+(:[0-9]+)?")) {
      return text;
    }
    ImageReference r = parseOrNull(text);
    if (r == null || !nameOnly(r) || !r.name().equals(text)) {
      throw new IllegalArgumentException(
          where
              + ": remapIdentity prefix '"
              + text
              + "' is neither a registry nor a full repository name");
    }
    return text;
  }

  private static boolean repoDigestOrExact(ImageReference intended, ImageReference signed) {
    if (signed == null || nameOnly(signed)) {
      return false;
    }
    if (intended.tag() != null) {
      return signed.equals(intended);
    }
    return intended.digest() != null && signed.name().equals(intended.name());
  }

  private static boolean nameOnly(ImageReference r) {
    return r.tag() == null && r.digest() == null;
  }

  /** The reference normalized as the container tools do, or null when it is not one. */
  private static ImageReference parseOrNull(String text) {
    try {
      return ImageReference.parse(text);
    } catch (CaissonException e) {
      return null;
    }
  }
}
