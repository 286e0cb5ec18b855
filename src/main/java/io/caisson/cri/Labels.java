package io.caisson.cri;

import java.util.Map;

/** CRI label selectors: every selector pair must be present with the same value. */
final class Labels {
  private Labels() {}

  static boolean match(Map<String, String> selector, Map<String, String> labels) {
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
