package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonValue;
import io.caisson.toml.TomlReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The subset of containers-registries.conf(5) v2 that decides where a pull goes: {@code
 * [[registry]]} entries with prefix, location, insecure, blocked, mirror-by-digest-only and {@code
 * [[registry.mirror]]} lists, and how short names resolve: {@code unqualified-search-registries}
 * and the {@code [aliases]} table; where node credentials come from ({@code credential-helpers}).
 * Other keys ({@code short-name-mode}, which decides when podman prompts) are ignored: a runtime
 * has no one to ask.
 */
public final class RegistriesConf {

  record Mirror(String location, boolean insecure, String pullFrom) {}

  record Entry(
      RegistryPrefix scope,
      String location,
      boolean insecure,
      boolean blocked,
      boolean mirrorByDigestOnly,
      List<Mirror> mirrors) {

    /** The prefix as written, what a drop-in's entry replaces this one by. */
    String prefix() {
      return scope.text();
    }
  }

  /** {@code pull-from-mirror}'s values; unset is {@code all}. */
  private static final List<String> PULL_FROM_MIRROR = List.of("all", "digest-only", "tag-only");

  private final List<Entry> entries;
  private final List<String> searchRegistries; // null: not set here
  private final Map<String, String> aliases;
  private final List<String> credentialHelpers; // null: not set here

  /** The {@code credential-helpers} entry that stands for the auth file itself. */
  public static final String AUTH_FILE_HELPER = "containers-auth.json";

  RegistriesConf(List<Entry> entries, List<String> searchRegistries, Map<String, String> aliases) {
    this(entries, searchRegistries, aliases, null);
  }

  RegistriesConf(
      List<Entry> entries,
      List<String> searchRegistries,
      Map<String, String> aliases,
      List<String> credentialHelpers) {
    this.entries = List.copyOf(entries);
    this.searchRegistries = searchRegistries == null ? null : List.copyOf(searchRegistries);
    this.aliases = Map.copyOf(aliases);
    this.credentialHelpers = credentialHelpers == null ? null : List.copyOf(credentialHelpers);
  }

  /**
   * Where node credentials come from, in order ({@code credential-helpers}): {@link
   * #AUTH_FILE_HELPER} for the auth file, any other name for {@code docker-credential-NAME}. The
   * auth file alone where the key is not set, as containers-registries.conf(5) has it.
   */
  List<String> credentialHelpers() {
    return credentialHelpers == null ? List.of(AUTH_FILE_HELPER) : credentialHelpers;
  }

  /**
   * These rules with a drop-in file's laid over them, as containers-registries.conf.d(5) merges
   * them: an entry of the same prefix replaces this one's, others are added; a search list the
   * drop-in sets replaces this one's; its aliases are added, replacing the same short names'.
   */
  RegistriesConf overlaidWith(RegistriesConf dropIn) {
    List<Entry> merged = new ArrayList<>();
    for (Entry e : entries) {
      if (dropIn.entries.stream().noneMatch(d -> d.prefix().equals(e.prefix()))) {
        merged.add(e);
      }
    }
    merged.addAll(dropIn.entries);
    Map<String, String> mergedAliases = new HashMap<>(aliases);
    mergedAliases.putAll(dropIn.aliases);
    return new RegistriesConf(
        merged,
        dropIn.searchRegistries != null ? dropIn.searchRegistries : searchRegistries,
        mergedAliases,
        dropIn.credentialHelpers != null ? dropIn.credentialHelpers : credentialHelpers);
  }

  /** What the rules amount to, in a line: for {@code caisson --check}. */
  String summary() {
    String search =
        searchRegistries == null
            ? "no unqualified-search-registries (short names are docker.io's)"
            : "unqualified-search-registries " + searchRegistries;
    String credentials =
        credentialHelpers == null ? "" : ", credential-helpers " + credentialHelpers;
    return "%d [[registry]] entries, %s, %d aliases%s"
        .formatted(entries.size(), search, aliases.size(), credentials);
  }

  public static RegistriesConf empty() {
    return new RegistriesConf(List.of(), null, Map.of());
  }

  /**
   * The images a reference as written may name, in the order a pull tries them. A name with a
   * registry is itself. A short name ({@code busybox}, {@code team/app}, with or without a tag or
   * digest) is its alias where {@code [aliases]} has one, else its name in each of {@code
   * unqualified-search-registries} in order; where neither is configured, docker.io's, as
   * containerd resolves every short name. INVALID_ARGUMENT for what is no reference.
   */
  public List<ImageReference> candidates(String text) {
    ImageReference.ShortName shortName = ImageReference.shortName(text);
    if (shortName == null) {
      return List.of(ImageReference.parse(text));
    }
    String alias = aliases.get(shortName.repository());
    if (alias != null) {
      return List.of(ImageReference.parse(alias + shortName.tagAndDigest()));
    }
    if (searchRegistries == null || searchRegistries.isEmpty()) {
      return List.of(ImageReference.parse(text));
    }
    List<ImageReference> out = new ArrayList<>();
    for (String registry : searchRegistries) {
      out.add(
          ImageReference.parse(registry + "/" + shortName.repository() + shortName.tagAndDigest()));
    }
    return List.copyOf(out);
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
    JsonValue root;
    try {
      root = TomlReader.read(toml);
    } catch (IOException e) {
      throw CaissonException.invalid("registries.conf is not valid TOML: %s", e.getMessage());
    }
    if (root.has("registries")) {
      // [registries.search], [registries.insecure], [registries.block]: read as v2 they would be
      // no rules at all, and every registry the operator meant to block would be pulled from.
      throw CaissonException.invalid(
          "registries.conf is in the v1 format ([registries.search], [registries.insecure],"
              + " [registries.block] tables), which is not read: write it as v2, [[registry]]"
              + " entries and unqualified-search-registries (containers-registries.conf(5))");
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonValue reg : root.path("registry")) {
      String location = text(reg, "location");
      String prefix = text(reg, "prefix");
      if (prefix == null) {
        prefix = location;
      }
      if (prefix == null || prefix.isEmpty()) {
        throw CaissonException.invalid("registries.conf: a [[registry]] needs prefix or location");
      }
      RegistryPrefix scope = RegistryPrefix.of(stripSlash(prefix));
      if (scope.wildcard() && location != null) {
        throw CaissonException.invalid(
            "registries.conf: wildcard prefix %s cannot have a location", prefix);
      }
      boolean mirrorByDigestOnly = reg.path("mirror-by-digest-only").asBoolean(false);
      List<Mirror> mirrors = new ArrayList<>();
      for (JsonValue m : reg.path("mirror")) {
        String mloc = text(m, "location");
        if (mloc == null || mloc.isEmpty()) {
          throw CaissonException.invalid("registries.conf: mirror of %s without location", prefix);
        }
        String pullFrom = text(m, "pull-from-mirror");
        if (pullFrom != null && !PULL_FROM_MIRROR.contains(pullFrom)) {
          throw CaissonException.invalid(
              "registries.conf: mirror %s of %s has pull-from-mirror = \"%s\", not one of %s",
              mloc, prefix, pullFrom, PULL_FROM_MIRROR);
        }
        if (pullFrom != null && mirrorByDigestOnly) {
          // Which one would decide is anyone's guess: containers/image refuses the pair too.
          throw CaissonException.invalid(
              "registries.conf: %s has mirror-by-digest-only and its mirror %s pull-from-mirror;"
                  + " set one of them",
              prefix, mloc);
        }
        mirrors.add(
            new Mirror(
                stripSlash(mloc),
                m.path("insecure").asBoolean(false),
                pullFrom == null ? "all" : pullFrom));
      }
      entries.add(
          new Entry(
              scope,
              location == null ? null : stripSlash(location),
              reg.path("insecure").asBoolean(false),
              reg.path("blocked").asBoolean(false),
              mirrorByDigestOnly,
              mirrors));
    }
    return new RegistriesConf(
        entries, searchRegistries(root), aliases(root), credentialHelpers(root));
  }

  private static List<String> credentialHelpers(JsonValue root) {
    return names(root, "credential-helpers", CredentialHelper::isName, "a helper name");
  }

  private static List<String> searchRegistries(JsonValue root) {
    return names(
        root,
        "unqualified-search-registries",
        host -> !host.isEmpty() && !host.contains("/") && ImageReference.isRegistryHost(host),
        "a registry host");
  }

  /** A list of names under {@code key}, each of which must pass {@code valid}; null when unset. */
  private static List<String> names(
      JsonValue root, String key, Predicate<String> valid, String what) {
    JsonValue list = root.get(key);
    if (list == null) {
      return null;
    }
    if (!list.isArray()) {
      throw CaissonException.invalid("registries.conf: %s is no list", key);
    }
    List<String> out = new ArrayList<>();
    for (JsonValue item : list) {
      String name = item.asText("");
      if (!valid.test(name)) {
        throw CaissonException.invalid("registries.conf: %s has '%s', not %s", key, name, what);
      }
      out.add(name);
    }
    return out;
  }

  /** Short name to fully qualified repository, as containers-registries.conf(5) writes them. */
  private static Map<String, String> aliases(JsonValue root) {
    Map<String, String> out = new HashMap<>();
    for (var alias : root.path("aliases").properties()) {
      String shortName = alias.getKey();
      String target = alias.getValue().asText("");
      ImageReference.ShortName parsedShort = ImageReference.shortName(shortName);
      if (parsedShort == null || !parsedShort.tagAndDigest().isEmpty()) {
        throw CaissonException.invalid(
            "registries.conf: alias '%s' is not a short name without tag or digest", shortName);
      }
      ImageReference resolved;
      try {
        resolved = ImageReference.parse(target);
      } catch (CaissonException e) {
        throw CaissonException.invalid(
            "registries.conf: alias %s names '%s', not a reference", shortName, target);
      }
      if (ImageReference.shortName(target) != null
          || resolved.tag() != null
          || resolved.digest() != null) {
        throw CaissonException.invalid(
            "registries.conf: alias %s names '%s', not a repository with its registry",
            shortName, target);
      }
      out.put(shortName, target);
    }
    return out;
  }

  private static String text(JsonValue node, String field) {
    JsonValue v = node.get(field);
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
      int len = e.scope().matchLength(ref);
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
          "%s is blocked by registries.conf (prefix %s)",
          best.scope().name().equals(best.prefix()) ? "registry " + ref.registry() : ref,
          best.prefix());
    }
    String rest;
    if (best.scope().wildcard()) {
      rest = name.substring(ref.registry().length());
    } else {
      rest = name.substring(best.scope().name().length());
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
}
