package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * The node's OCI hooks ({@code hooks_dirs}, oci-hooks(5), version 1.0.0, as CRI-O and podman read
 * them, e.g. a GPU vendor's prestart hook): JSON files naming a hook, the stages it runs at and
 * when it applies. Read at each CreateContainer; a file in a later directory replaces the one of
 * the same name in an earlier one, and hooks run in file-name order. A file that cannot be read or
 * is not a valid hook fails the create, naming it, rather than start a container without a hook the
 * node meant it to have.
 */
final class OciHooks {

  /** One hook file: the hook, its stages and its conditions. */
  record Hook(
      String file,
      OciSpec.Hook hook,
      List<String> stages,
      Boolean always,
      Map<Pattern, Pattern> annotations,
      List<Pattern> commands,
      Boolean hasBindMounts) {

    /**
     * Whether the hook goes into a container, as podman and CRI-O decide it: {@code always: true}
     * is enough; otherwise every condition set must hold (hasBindMounts when true, each annotation
     * pattern pair matching some annotation, and then one of the command patterns matching the
     * process's first argument). {@code always: false} alone never matches.
     */
    boolean appliesTo(List<String> args, Map<String, String> annotations, boolean bindMounts) {
      if (Boolean.TRUE.equals(always)) {
        return true;
      }
      boolean match = false;
      if (hasBindMounts != null) {
        if (hasBindMounts && !bindMounts) {
          return false;
        }
        match = true;
      }
      for (var condition : this.annotations.entrySet()) {
        boolean found =
            annotations.entrySet().stream()
                .anyMatch(
                    annotation ->
                        condition.getKey().matcher(annotation.getKey()).find()
                            && condition.getValue().matcher(annotation.getValue()).find());
        if (!found) {
          return false;
        }
        match = true;
      }
      if (!commands.isEmpty()) {
        return !args.isEmpty()
            && commands.stream().anyMatch(c -> c.matcher(args.getFirst()).find());
      }
      return match;
    }
  }

  private final List<Path> dirs;

  OciHooks(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  /**
   * The hooks of every directory now, in file-name order as oci-hooks(5) sorts it (lower-cased); a
   * later directory's file of the same name wins.
   */
  List<Hook> current() {
    Map<String, Path> byName =
        new TreeMap<>(
            java.util.Comparator.comparing((String n) -> n.toLowerCase(java.util.Locale.ROOT))
                .thenComparing(java.util.Comparator.naturalOrder()));
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        files
            .filter(f -> f.getFileName().toString().endsWith(".json"))
            .forEach(f -> byName.put(f.getFileName().toString(), f));
      } catch (IOException e) {
        throw CaissonException.precondition("OCI hooks directory %s cannot be read: %s", dir, e);
      }
    }
    List<Hook> hooks = new ArrayList<>();
    for (Path file : byName.values()) {
      try {
        hooks.add(parse(file.toString(), Files.readAllBytes(file)));
      } catch (IOException e) {
        throw CaissonException.precondition("OCI hook %s cannot be read: %s", file, e);
      } catch (IllegalArgumentException e) {
        throw CaissonException.precondition("OCI hook %s is invalid: %s", file, e.getMessage());
      }
    }
    return hooks;
  }

  /**
   * Adds the hooks that apply to the container the spec describes.
   *
   * @param annotations the pod's annotations with the container's over them: kubelet's users set
   *     the pod's
   * @param bindMounts whether the container asked for mounts of its own (the pod's files and
   *     /dev/shm, which every container has, do not count), as CRI-O decides it
   */
  static void applyTo(
      OciSpecBuilder spec,
      List<Hook> hooks,
      List<String> args,
      Map<String, String> annotations,
      boolean bindMounts) {
    for (Hook hook : hooks) {
      if (hook.appliesTo(args, annotations, bindMounts)) {
        hook.stages().forEach(stage -> spec.addHook(stage, hook.hook()));
      }
    }
  }

  /** Reads one hook file; IllegalArgumentException says what is wrong with it. */
  static Hook parse(String file, byte[] bytes) {
    JsonValue root;
    try {
      root = Json.parse(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String version = root.path("version").asText("");
    if (!version.equals("1.0.0")) {
      throw new IllegalArgumentException("version '" + version + "' is not 1.0.0");
    }
    JsonValue h = root.path("hook");
    String path = h.path("path").asText("");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("hook.path must be an absolute path");
    }
    if (!Files.exists(Path.of(path))) {
      throw new IllegalArgumentException("hook.path " + path + " does not exist");
    }
    Integer timeout = h.has("timeout") ? h.get("timeout").asInt() : null;
    if (timeout != null && timeout <= 0) {
      throw new IllegalArgumentException("hook.timeout must be positive");
    }
    OciSpec.Hook hook =
        new OciSpec.Hook(path, strings(h.path("args")), strings(h.path("env")), timeout);
    List<String> stages = strings(root.path("stages"));
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("it names no stages");
    }
    for (String stage : stages) {
      if (!OciSpecBuilder.HOOK_STAGES.contains(stage)) {
        throw new IllegalArgumentException("unknown stage '" + stage + "'");
      }
    }
    JsonValue when = root.path("when");
    Map<Pattern, Pattern> annotations = new java.util.LinkedHashMap<>();
    when.path("annotations")
        .properties()
        .forEach(e -> annotations.put(regex(e.getKey()), regex(e.getValue().asText())));
    List<Pattern> commands = strings(when.path("commands")).stream().map(OciHooks::regex).toList();
    Boolean always = when.has("always") ? when.get("always").asBoolean() : null;
    Boolean hasBindMounts =
        when.has("hasBindMounts") ? when.get("hasBindMounts").asBoolean() : null;
    if (always == null && annotations.isEmpty() && commands.isEmpty() && hasBindMounts == null) {
      throw new IllegalArgumentException("\"when\" has no condition");
    }
    return new Hook(
        file, hook, List.copyOf(stages), always, Map.copyOf(annotations), commands, hasBindMounts);
  }

  private static Pattern regex(String text) {
    try {
      return Pattern.compile(text);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a regular expression");
    }
  }

  private static List<String> strings(JsonValue array) {
    List<String> out = new ArrayList<>();
    for (JsonValue v : array) {
      out.add(v.asText());
    }
    return List.copyOf(out);
  }
}
