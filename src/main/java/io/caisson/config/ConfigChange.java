package io.caisson.config;

import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a config read again (at SIGHUP) changes in a running daemon: the keys it takes up at once,
 * and those that only a restart applies (the socket, the directories, the runtimes and CNI, the
 * streaming and metrics servers, the image store's settings).
 *
 * @param running the config the daemon runs with from now on: the one it had, with the changed
 *     {@link #LIVE} keys taken from the new one
 * @param applied the changed keys taken up, in name order
 * @param needRestart the changed keys left as they were until the next start, in name order
 */
public record ConfigChange(CaissonConfig running, List<String> applied, List<String> needRestart) {
  /**
   * The top-level keys a running daemon takes up without a restart. Daemon.reload hands each of
   * them to the part that reads it: a key added here must be applied there too.
   */
  public static final Set<String> LIVE =
      Set.of(
          "log_level",
          "pinned_images",
          "signature_policy",
          "registries_d",
          "decryption_keys_path",
          "default_capabilities",
          "default_ulimits",
          "default_env",
          "default_sysctls",
          "seccomp_profile",
          "device_ownership_from_security_context",
          "additional_devices",
          "hooks_dirs",
          "image_volumes",
          "log_size_max");

  /** The change from {@code current} to {@code reloaded}, both checked configs. */
  public static ConfigChange between(CaissonConfig current, CaissonConfig reloaded) {
    JsonObject running = tree(current);
    JsonObject next = tree(reloaded);
    Set<String> keys = new TreeSet<>();
    running.fieldNames().forEachRemaining(keys::add);
    next.fieldNames().forEachRemaining(keys::add);
    List<String> applied = new ArrayList<>();
    List<String> needRestart = new ArrayList<>();
    for (String key : keys) {
      JsonValue was = running.get(key);
      JsonValue now = next.get(key);
      if (Objects.equals(was, now)) {
        continue;
      }
      if (!LIVE.contains(key)) {
        needRestart.add(key);
      } else if (now == null) {
        running.remove(key);
        applied.add(key);
      } else {
        running.set(key, now);
        applied.add(key);
      }
    }
    try {
      return new ConfigChange(ConfigBinder.bind(running), List.copyOf(applied), needRestart);
    } catch (InvalidConfigException e) {
      // Both were bound from trees of this shape: a mix of their keys binds too.
      throw new IllegalStateException("a config written out does not read back: " + e, e);
    }
  }

  private static JsonObject tree(CaissonConfig config) {
    return ConfigJson.tree(config);
  }
}
