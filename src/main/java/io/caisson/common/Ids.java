package io.caisson.common;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Object ids: 64 random hex digits, like other CRI runtimes, so tools can shorten them. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  // Compiled once: every status call checks its id.
  private static final Pattern ID_CHARACTERS = Pattern.compile("[A-Za-z0-9_.-]+");

  private Ids() {}

  public static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * Checks an id or id prefix from a request before it touches a path or a map: empty, too long,
   * '/', '..' or control characters are refused. Other strings (a UUID, say) are well-formed ids
   * that simply match nothing, so idempotent calls on them succeed.
   */
  public static String requireValid(String what, String id) {
    if (id == null || id.isEmpty()) {
      throw CaissonException.invalid("%s is required", what);
    }
    if (id.length() > 128 || id.contains("..") || !ID_CHARACTERS.matcher(id).matches()) {
      throw CaissonException.invalid(
          "%s '%s' is not an id (letters, digits, '_', '-', '.'; at most 128)", what, shorten(id));
    }
    return id;
  }

  /**
   * The object whose id is {@code idOrPrefix}, or the only one whose id starts with it; an
   * ambiguous prefix is INVALID_ARGUMENT naming how many matched.
   *
   * @param what the request field, for messages ("container_id")
   */
  public static <T> Optional<T> lookup(
      Map<String, T> byId, String what, String idOrPrefix, Function<T, String> idOf) {
    // An id found as it is names one of ours, valid by construction: the pattern is checked only
    // for the rest (kubelet's status calls, hundreds a second, always give whole ids).
    T exact = idOrPrefix == null ? null : byId.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    requireValid(what, idOrPrefix);
    List<T> matches =
        byId.values().stream().filter(o -> idOf.apply(o).startsWith(idOrPrefix)).toList();
    if (matches.size() > 1) {
      throw CaissonException.invalid(
          "%s prefix %s is ambiguous (%d objects match)", what, idOrPrefix, matches.size());
    }
    return matches.stream().findFirst();
  }

  private static String shorten(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "…" : text;
  }
}
