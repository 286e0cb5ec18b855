package io.caisson.toml;

import java.util.List;

/** How keys are written: bare where TOML allows it, quoted otherwise. */
final class TomlKeys {
  private TomlKeys() {}

  /** Whether {@code key} may be written without quotes: ASCII letters, digits, '_' and '-'. */
  static boolean isBare(String key) {
    if (key.isEmpty()) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (!isBareChar(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean isBareChar(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '-';
  }

  /** One key as TOML source: bare, or a basic string. */
  static String key(String key) {
    if (isBare(key)) {
      return key;
    }
    StringBuilder out = new StringBuilder(key.length() + 2);
    TomlStrings.quote(key, out);
    return out.toString();
  }

  /** A dotted key or header path as TOML source: {@code a.b."c d"}. */
  static String path(List<String> keys) {
    StringBuilder out = new StringBuilder();
    for (String key : keys) {
      if (!out.isEmpty()) {
        out.append('.');
      }
      out.append(key(key));
    }
    return out.toString();
  }

  /**
   * A dotted key for an error message, in double quotes: its non-bare parts in single quotes (TOML
   * literal keys) so that the message needs no escaped quotes, where they allow it.
   */
  static String display(List<String> keys) {
    StringBuilder out = new StringBuilder("\"");
    for (String key : keys) {
      if (out.length() > 1) {
        out.append('.');
      }
      if (isBare(key)) {
        out.append(key);
      } else if (key.indexOf('\'') < 0 && key.chars().noneMatch(TomlStrings::isControl)) {
        out.append('\'').append(key).append('\'');
      } else {
        TomlStrings.quote(key, out);
      }
    }
    return out.append('"').toString();
  }
}
