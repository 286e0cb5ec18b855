package io.caisson.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The subset of containers-registries.conf(5) v2 that decides where a pull goes: {@code
 * [[registry]]} entries with prefix, location, insecure, blocked, mirror-by-digest-only and {@code
 * [[registry.mirror]]} lists. Other keys (unqualified-search-registries, aliases) are ignored:
 * references are always fully qualified here.
 */
public final class RegistriesConf {

  record Mirror(String location, boolean insecure, String pullFrom) {}

  record Entry(
      String prefix,
      String location,
      boolean insecure,
      boolean blocked,
      boolean mirrorByDigestOnly,
      List<Mirror> mirrors) {}

  private final List<Entry> entries;

  RegistriesConf(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * These rules with a drop-in file's laid over them, as containers-registries.conf.d(5) merges
   * them: an entry of the same prefix replaces this one's, others are added.
   */
  RegistriesConf overlaidWith(RegistriesConf dropIn) {
    List<Entry> merged = new ArrayList<>();
    for (Entry e : entries) {
      if (dropIn.entries.stream().noneMatch(d -> d.prefix().equals(e.prefix()))) {
        merged.add(e);
      }
    }
    merged.addAll(dropIn.entries);
    return new RegistriesConf(merged);
  }

  public static RegistriesConf empty() {
    return new RegistriesConf(List.of());
  }

  /** Reads the file; a missing file (or null path) means no rules. */
  public static RegistriesConf load(Path path) {
    if (path == null || !Files.exists(path)) {
      return empty();
    }
    try {
      return parse(Files.readString(path));
    } catch (IOException e) {
      throw CaissonException.invalid("cannot read registries.conf %s: %s", path, e.getMessage());
    }
  }

  public static RegistriesConf parse(String toml) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(toml);
    } catch (IOException e) {
      throw CaissonException.invalid("registries.conf is not valid TOML: %s", e.getMessage());
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonNode reg : root.path("registry")) {
      String location = text(reg, "location");
      String prefix = text(reg, "prefix");
      if (prefix == null) {
        prefix = location;
      }
      if (prefix == null || prefix.isEmpty()) {
        throw CaissonException.invalid("registries.conf: a [[registry]] needs prefix or location");
      }
      if (prefix.startsWith("*.") && location != null) {
        throw CaissonException.invalid(
            "registries.conf: wildcard prefix %s cannot have a location", prefix);
      }
      List<Mirror> mirrors = new ArrayList<>();
      for (JsonNode m : reg.path("mirror")) {
        String mloc = text(m, "location");
        if (mloc == null || mloc.isEmpty()) {
          throw CaissonException.invalid("registries.conf: mirror of %s without location", prefix);
        }
        String pullFrom = text(m, "pull-from-mirror");
        mirrors.add(
            new Mirror(
                stripSlash(mloc),
                m.path("insecure").asBoolean(false),
                pullFrom == null ? "all" : pullFrom));
      }
      entries.add(
          new Entry(
              stripSlash(prefix),
              location == null ? null : stripSlash(location),
              reg.path("insecure").asBoolean(false),
              reg.path("blocked").asBoolean(false),
              reg.path("mirror-by-digest-only").asBoolean(false),
              mirrors));
    }
    return new RegistriesConf(entries);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * The endpoints to try, in order: mirrors, then the upstream (or its {@code location} rewrite,
   * which replaces it: no request then goes to the original host). A blocked registry is
   * FAILED_PRECONDITION.
   */
  public List<RegistryEndpoint> resolve(ImageReference ref) {
    String name = ref.name();
    Entry best = null;
    int bestLength = -1;
    for (Entry e : entries) {
      int len = matchLength(e.prefix(), ref);
      if (len > bestLength) {
        best = e;
        bestLength = len;
      }
    }
    if (best == null) {
      return List.of(RegistryEndpoint.of(name, false, false));
    }
    if (best.blocked()) {
      throw CaissonException.precondition(
          "registry %s is blocked by registries.conf (prefix %s)", ref.registry(), best.prefix());
    }
    String rest;
    if (best.prefix().startsWith("*.")) {
      rest = name.substring(ref.registry().length());
    } else {
      rest = name.substring(best.prefix().length());
    }
    boolean byDigest = ref.digest() != null;
    List<RegistryEndpoint> result = new ArrayList<>();
    for (Mirror m : best.mirrors()) {
      boolean allowed =
          switch (m.pullFrom()) {
            case "digest-only" -> byDigest;
            case "tag-only" -> !byDigest;
            default -> !best.mirrorByDigestOnly() || byDigest;
          };
      if (allowed) {
        result.add(RegistryEndpoint.of(m.location() + rest, m.insecure(), true));
      }
    }
    String upstream = best.location() != null ? best.location() + rest : name;
    result.add(RegistryEndpoint.of(upstream, best.insecure(), false));
    return List.copyOf(result);
  }

  /** Length of the matched prefix, or -1; {@code *.host} matches subdomains of host only. */
  private static int matchLength(String prefix, ImageReference ref) {
    if (prefix.startsWith("*.")) {
      String host = ref.registry();
      return host.endsWith(prefix.substring(1)) ? prefix.length() : -1;
    }
    String name = ref.name();
    if (name.equals(prefix) || name.startsWith(prefix + "/")) {
      return prefix.length();
    }
    return -1;
  }
}
