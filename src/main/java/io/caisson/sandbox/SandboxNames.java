package io.caisson.sandbox;

import io.caisson.common.CaissonException;
import java.util.concurrent.ConcurrentHashMap;

/** Reserves a pod's metadata so that two sandboxes with the same name never run at once. */
public final class SandboxNames {
  private final ConcurrentHashMap<String, String> holders = new ConcurrentHashMap<>();

  static String key(String name, String namespace, String uid, int attempt) {
    return name + "_" + namespace + "_" + uid + "_" + attempt;
  }

  void reserve(String key, String id) {
    String holder = holders.putIfAbsent(key, id);
    if (holder != null && !holder.equals(id)) {
      throw CaissonException.alreadyExists(
          "pod sandbox name %s is already reserved by sandbox %s", key, holder);
    }
  }

  void release(String key, String id) {
    holders.remove(key, id);
  }
}
