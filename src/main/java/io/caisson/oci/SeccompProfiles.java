package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.oci.OciSpec.Seccomp;
import io.caisson.oci.OciSpec.SyscallArg;
import io.caisson.oci.OciSpec.SyscallRule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Seccomp profiles as OCI {@link Seccomp} sections. Profiles come in two shapes and both are
 * accepted: the OCI one ({@code architectures}, rules with {@code names}) and Docker's ({@code
 * archMap}, rules with {@code name} or {@code names} and {@code includes} / {@code excludes} on
 * capabilities, architectures and kernel version). Conditions are resolved here, for the
 * container's capabilities and this machine, since the OCI format has none.
 */
public final class SeccompProfiles {
  private static final String RUNTIME_DEFAULT = "seccomp-runtime-default.json";

  private static final Set<String> ACTIONS =
      Set.of(
          "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_TRAP",
          "SCMP_ACT_ERRNO",
          "SCMP_ACT_TRACE",
          "SCMP_ACT_ALLOW",
          "SCMP_ACT_LOG",
          "SCMP_ACT_NOTIFY");

  private static final Set<String> OPS =
      Set.of(
          "SCMP_CMP_NE",
          "SCMP_CMP_LT",
          "SCMP_CMP_LE",
          "SCMP_CMP_EQ",
          "SCMP_CMP_GE",
          "SCMP_CMP_GT",
          "SCMP_CMP_MASKED_EQ");

  private static volatile JsonValue runtimeDefaultTree;

  private SeccompProfiles() {}

  /**
   * The profile a container asking for RuntimeDefault gets: Caisson's own, or the node's {@code
   * seccomp_profile} file, read once when the daemon starts.
   */
  public record RuntimeDefault(JsonValue tree, String source) {
    /** Caisson's own profile. */
    public static RuntimeDefault builtIn() {
      return new RuntimeDefault(runtimeDefaultTree(), RUNTIME_DEFAULT);
    }

    /**
     * The node's profile file (OCI or Docker shape), checked now: a profile that cannot become a
     * spec's seccomp section is an INVALID_ARGUMENT naming the file and what is wrong.
     */
    public static RuntimeDefault fromFile(Path file) {
      RuntimeDefault profile = new RuntimeDefault(read(file), file.toString());
      profile.forCapabilities(List.of());
      return profile;
    }

    /** The profile for a container holding {@code capabilities}. */
    public Seccomp forCapabilities(Collection<String> capabilities) {
      return convert(tree, capabilities, Host.current(), source);
    }
  }

  /** Caisson's RuntimeDefault profile for a container holding {@code capabilities}. */
  public static Seccomp runtimeDefault(Collection<String> capabilities) {
    return RuntimeDefault.builtIn().forCapabilities(capabilities);
  }

  /** A Localhost profile file (OCI or Docker shape) for a container holding these caps. */
  public static Seccomp localhost(Path file, Collection<String> capabilities) {
    return convert(read(file), capabilities, Host.current(), file.toString());
  }

  private static JsonValue read(Path file) {
    JsonValue tree;
    try {
      tree = Json.parse(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw CaissonException.notFound("seccomp profile %s does not exist", file);
    } catch (IOException e) {
      throw CaissonException.invalid(
          "seccomp profile %s is not valid JSON: %s", file, e.getMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw CaissonException.invalid("seccomp profile %s is not a JSON object", file);
    }
    return tree;
  }

  private static JsonValue runtimeDefaultTree() {
    JsonValue tree = runtimeDefaultTree;
    if (tree == null) {
      try (InputStream in = SeccompProfiles.class.getResourceAsStream(RUNTIME_DEFAULT)) {
        if (in == null) {
          throw new IllegalStateException(RUNTIME_DEFAULT + " is missing from the classpath");
        }
        tree = Json.parse(in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + RUNTIME_DEFAULT, e);
      }
      runtimeDefaultTree = tree;
    }
    return tree;
  }

  /** The machine facts that Docker-style conditions test. */
  record Host(String goArch, String nativeScmpArch, int[] kernel) {
    static Host current() {
      String arch = System.getProperty("os.arch");
      return switch (arch) {
        case "amd64", "x86_64" -> new Host("amd64", "SCMP_ARCH_X86_64", hostKernel());
        case "aarch64", "arm64" -> new Host("arm64", "SCMP_ARCH_AARCH64", hostKernel());
        default -> new Host(arch, "SCMP_ARCH_" + arch.toUpperCase(), hostKernel());
      };
    }

    private static int[] hostKernel() {
      return parseKernel(System.getProperty("os.version"));
    }
  }

  static int[] parseKernel(String version) {
    String[] parts = version.split("[^0-9]+");
    int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
    int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
    return new int[] {major, minor};
  }

  static Seccomp convert(JsonValue tree, Collection<String> caps, Host host, String source) {
    String defaultAction = text(tree, "defaultAction");
    if (defaultAction == null) {
      throw CaissonException.invalid("seccomp profile %s has no defaultAction", source);
    }
    checkAction(defaultAction, source);
    Integer defaultErrno =
        tree.hasNonNull("defaultErrnoRet") ? tree.get("defaultErrnoRet").asInt() : null;

    List<String> architectures = new ArrayList<>();
    if (tree.has("architectures")) {
      tree.get("architectures").forEach(a -> architectures.add(a.asText()));
    } else if (tree.has("archMap")) {
      for (JsonValue entry : tree.get("archMap")) {
        if (host.nativeScmpArch().equals(text(entry, "architecture"))) {
          architectures.add(host.nativeScmpArch());
          entry.path("subArchitectures").forEach(a -> architectures.add(a.asText()));
        }
      }
    }

    List<String> flags = new ArrayList<>();
    tree.path("flags").forEach(f -> flags.add(f.asText()));

    List<SyscallRule> rules = new ArrayList<>();
    for (JsonValue rule : tree.path("syscalls")) {
      if (!applies(rule.path("includes"), rule.path("excludes"), caps, host)) {
        continue;
      }
      Set<String> names = new LinkedHashSet<>();
      if (rule.hasNonNull("name")) {
        names.add(rule.get("name").asText());
      }
      rule.path("names").forEach(n -> names.add(n.asText()));
      if (names.isEmpty()) {
        throw CaissonException.invalid("seccomp profile %s has a rule without names", source);
      }
      String action = text(rule, "action");
      if (action == null) {
        throw CaissonException.invalid(
            "seccomp profile %s: the rule for %s has no action", source, names);
      }
      checkAction(action, source);
      Integer errno = rule.hasNonNull("errnoRet") ? rule.get("errnoRet").asInt() : null;
      List<SyscallArg> args = new ArrayList<>();
      for (JsonValue arg : rule.path("args")) {
        String op = text(arg, "op");
        if (op == null || !OPS.contains(op)) {
          throw CaissonException.invalid(
              "seccomp profile %s: unknown comparison %s for %s", source, op, names);
        }
        Long valueTwo = arg.hasNonNull("valueTwo") ? arg.get("valueTwo").asLong() : null;
        args.add(
            new SyscallArg(arg.path("index").asInt(), arg.path("value").asLong(), valueTwo, op));
      }
      rules.add(new SyscallRule(List.copyOf(names), action, errno, List.copyOf(args)));
    }
    return new Seccomp(
        defaultAction, defaultErrno, List.copyOf(architectures), List.copyOf(flags), rules);
  }

  /** Docker's semantics: every included cap present, no excluded cap present, and so on. */
  private static boolean applies(
      JsonValue includes, JsonValue excludes, Collection<String> caps, Host host) {
    for (JsonValue cap : includes.path("caps")) {
      if (!caps.contains(cap.asText())) {
        return false;
      }
    }
    for (JsonValue cap : excludes.path("caps")) {
      if (caps.contains(cap.asText())) {
        return false;
      }
    }
    if (includes.has("arches") && !contains(includes.get("arches"), host.goArch())) {
      return false;
    }
    if (excludes.has("arches") && contains(excludes.get("arches"), host.goArch())) {
      return false;
    }
    if (includes.hasNonNull("minKernel")) {
      int[] min = parseKernel(includes.get("minKernel").asText());
      int[] k = host.kernel();
      if (k[0] < min[0] || (k[0] == min[0] && k[1] < min[1])) {
        return false;
      }
    }
    return true;
  }

  private static boolean contains(JsonValue array, String value) {
    for (JsonValue n : array) {
      if (n.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void checkAction(String action, String source) {
    if (!ACTIONS.contains(action)) {
      throw CaissonException.invalid("seccomp profile %s: unknown action %s", source, action);
    }
  }

  private static String text(JsonValue node, String field) {
    JsonValue v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
