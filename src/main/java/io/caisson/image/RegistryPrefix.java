package io.caisson.image;

import io.caisson.common.CaissonException;

/**
 * A {@code [[registry]]} prefix as containers-registries.conf(5) writes them: a host ({@code
 * quay.io}, {@code *.example.com} for its subdomains) or a repository name under one ({@code
 * quay.io/team}), which match the references below them; or one reference with its tag or digest
 * ({@code quay.io/team/app:v1}, {@code quay.io/team/app@sha256:...}), which matches only a pull of
 * exactly that, so that one image can be blocked or sent elsewhere.
 *
 * @param name the name part (for a reference prefix, its repository name)
 * @param tag the tag of a reference prefix, else null
 * @param digest the digest of a reference prefix, else null
 */
record RegistryPrefix(String text, String name, String tag, Digest digest) {

  /** INVALID_ARGUMENT for a tag or digest that is not one, or one under a wildcard. */
  static RegistryPrefix of(String text) {
    String name = text;
    Digest digest = null;
    int at = name.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(name.substring(at + 1));
      } catch (CaissonException e) {
        throw CaissonException.invalid("registries.conf: prefix %s has an invalid digest", text);
      }
      name = name.substring(0, at);
    }
    String tag = null;
    int slash = name.lastIndexOf('/');
    int colon = name.lastIndexOf(':');
    // A colon in the first component is a port (localhost:5000); after a slash, a tag.
    if (slash >= 0 && colon > slash) {
      tag = name.substring(colon + 1);
      name = name.substring(0, colon);
      if (tag.isEmpty()) {
        throw CaissonException.invalid("registries.conf: prefix %s has an empty tag", text);
      }
    }
    if ((tag != null || digest != null) && name.startsWith("*.")) {
      throw CaissonException.invalid(
          "registries.conf: wildcard prefix %s cannot have a tag or digest", text);
    }
    return new RegistryPrefix(text, name, tag, digest);
  }

  boolean wildcard() {
    return name.startsWith("*.");
  }

  /**
   * How specific the match of {@code ref} is (the longest match wins), or -1. A reference prefix
   * matches the reference of its name with its tag, or with its digest; where the pull names a
   * digest, that digest is what a tag prefix would have meant too only if the tag is also the same.
   */
  int matchLength(ImageReference ref) {
    if (wildcard()) {
      return ref.registry().endsWith(name.substring(1)) ? text.length() : -1;
    }
    String refName = ref.name();
    if (tag != null || digest != null) {
      boolean same =
          refName.equals(name)
              && (tag == null || tag.equals(ref.tag()))
              && (digest == null || digest.equals(ref.digest()));
      return same ? text.length() : -1;
    }
    if (refName.equals(name) || refName.startsWith(name + "/")) {
      return text.length();
    }
    return -1;
  }
}
