package io.caisson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code caisson} command line, parsed by hand.
 *
 * <p>Why not picocli, which the bench tool uses: its classes are Java 5 bytecode, which the JVM's
 * AOT cache cannot hold, so loading and verifying them cost the daemon ~130 ms of a ~0.9 s start
 * (measured side by side on a 2-core node). Twelve flags do not need a framework.
 *
 * @param what what to do
 * @param configFile the TOML file
 * @param configGiven whether {@code --config} was given (then a missing file is an error)
 * @param overrides the flags given, as dotted config keys; they win over the file
 */
record DaemonFlags(What what, Path configFile, boolean configGiven, Map<String, Object> overrides) {

  static final Path DEFAULT_CONFIG = Path.of("/etc/caisson/caisson.toml");

  /** What the command was asked to do. */
  enum What {
    SERVE,
    PRINT_CONFIG,
    CHECK,
    HELP,
    VERSION
  }

  /** A flag the daemon takes: its config key (null for --config), value name and help. */
  private record Flag(String name, String key, String label, String help, boolean repeatable) {}

  private static final List<Flag> FLAGS =
      List.of(
          new Flag(
              "--config",
              null,
              "FILE",
              "TOML config file (default " + DEFAULT_CONFIG + "; absent means built-in defaults)",
              false),
          new Flag("--socket", "socket", "PATH", "CRI unix socket", false),
          new Flag("--root", "root", "DIR", "durable state directory", false),
          new Flag("--state", "state", "DIR", "volatile state directory", false),
          new Flag("--log-level", "log_level", "LEVEL", "trace|debug|info|warn|error", false),
          new Flag("--registries-conf", "registries_conf", "FILE", "registries.conf (v2)", false),
          new Flag(
              "--certs-dir", "certs_dir", "DIR", "per-registry TLS (HOST[:PORT]/*.crt...)", false),
          new Flag(
              "--signature-policy",
              "signature_policy",
              "FILE",
              "image trust policy (containers-policy.json)",
              false),
          new Flag(
              "--registries-d",
              "registries_d",
              "DIR",
              "where images' GPG signatures are (containers-registries.d)",
              false),
          new Flag(
              "--decryption-keys-path",
              "decryption_keys_path",
              "DIR",
              "the node's private keys for encrypted image layers",
              false),
          new Flag("--cni-conf-dir", "cni.conf_dir", "DIR", "CNI network configs", false),
          new Flag(
              "--cdi-spec-dir",
              "cdi_spec_dirs",
              "DIR",
              "CDI spec directory (repeatable, lowest priority first; replaces the configured list)",
              true),
          new Flag(
              "--hooks-dir",
              "hooks_dirs",
              "DIR",
              "OCI hooks directory (repeatable, lowest priority first; replaces the configured list)",
              true),
          new Flag(
              "--additional-device",
              "additional_devices",
              "HOST[:CONTAINER[:PERMS]]",
              "device for every container (repeatable; replaces the configured list)",
              true),
          new Flag(
              "--device-ownership-from-security-context",
              "device_ownership_from_security_context",
              "true|false",
              "device nodes owned by the container's run_as_user / run_as_group",
              false),
          new Flag(
              "--monitor",
              "monitor",
              "caisson|conmon",
              "the process that stays with each container: Caisson's own or conmon",
              false),
          new Flag(
              "--direct-exec",
              "direct_exec",
              "true|false",
              "ExecSync of a container runc need not confine further through Caisson's helper",
              false),
          new Flag(
              "--seccomp-profile",
              "seccomp_profile",
              "FILE",
              "the RuntimeDefault seccomp profile (empty: Caisson's own)",
              false),
          new Flag(
              "--default-capability",
              "default_capabilities",
              "CAP",
              "capability of every container that is not privileged, before its own add and drop"
                  + " (repeatable; replaces the configured list)",
              true),
          new Flag(
              "--default-ulimit",
              "default_ulimits",
              "NAME=SOFT[:HARD]",
              "resource limit for every container, e.g. nofile=1024:4096 (repeatable; replaces the"
                  + " configured list)",
              true),
          new Flag(
              "--default-env",
              "default_env",
              "NAME=VALUE",
              "environment variable for every container, which its own env overrides (repeatable;"
                  + " replaces the configured list)",
              true),
          new Flag(
              "--default-sysctl",
              "default_sysctls",
              "NAME=VALUE",
              "namespaced sysctl for every pod, which its own sysctls override (repeatable;"
                  + " replaces the configured list)",
              true),
          new Flag(
              "--cni-bin-dir",
              "cni.bin_dirs",
              "DIR",
              "CNI plugin directory (repeatable; replaces the configured list)",
              true),
          new Flag("--stream-address", "streaming.address", "HOST:PORT", "streaming server", false),
          new Flag(
              "--metrics-address",
              "metrics.address",
              "HOST:PORT",
              "Prometheus metrics (empty: off)",
              false),
          new Flag("--cgroup-driver", "cgroup_driver", "DRIVER", "cgroupfs (the only one)", false),
          new Flag(
              "--log-size-max",
              "log_size_max",
              "BYTES",
              "most bytes a container's log file holds before conmon truncates it (-1: no limit)",
              false),
          new Flag(
              "--image-volumes",
              "image_volumes",
              "MODE",
              "copy|mkdir|ignore: the volumes an image declares",
              false),
          new Flag("--pause-image", "pause_image", "IMAGE", "infra container image", false),
          new Flag(
              "--pinned-image",
              "pinned_images",
              "PATTERN",
              "image kept from kubelet's garbage collection: NAME, PREFIX* or *KEYWORD* (repeatable;"
                  + " replaces the configured list)",
              true));

  /** A command line that cannot be run; the message names what is wrong. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  static DaemonFlags parse(String... args) throws UsageException {
    What what = What.SERVE;
    Path configFile = DEFAULT_CONFIG;
    boolean configGiven = false;
    Map<String, Object> overrides = new LinkedHashMap<>();
    Map<String, List<String>> repeated = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> what = What.HELP;
        case "-V", "--version" -> what = what == What.HELP ? what : What.VERSION;
        case "config", "check" -> {
          if (what == What.PRINT_CONFIG || what == What.CHECK) {
            throw new UsageException("unexpected argument: " + arg);
          }
          // help and version win
          if (what == What.SERVE) {
            what = arg.equals("config") ? What.PRINT_CONFIG : What.CHECK;
          }
        }
        default -> {
          int eq = arg.indexOf('=');
          String name = eq > 0 ? arg.substring(0, eq) : arg;
          Flag flag = FLAGS.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
          if (flag == null) {
            throw new UsageException(
                (arg.startsWith("-") ? "unknown option: " : "unexpected argument: ") + arg);
          }
          String value;
          if (eq > 0) {
            value = arg.substring(eq + 1);
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            throw new UsageException("missing value for " + name + " (" + flag.label() + ")");
          }
          if (flag.key() == null) {
            configFile = Path.of(value);
            configGiven = true;
          } else if (flag.repeatable()) {
            repeated.computeIfAbsent(flag.key(), k -> new ArrayList<>()).add(value);
          } else {
            overrides.put(flag.key(), value);
          }
        }
      }
    }
    repeated.forEach((key, values) -> overrides.put(key, List.copyOf(values)));
    return new DaemonFlags(what, configFile, configGiven, Map.copyOf(overrides));
  }

  static String usage() {
    StringBuilder text =
        new StringBuilder(
            """
            Usage: caisson [-hV] [OPTIONS] [config | check]
            Kubernetes CRI (runtime.v1) container runtime: serves CRI on a unix socket.
              config                       print the effective configuration as TOML and exit
              check                        check the node as the daemon would (runtime, conmon,
                                           network, kernel, storage, image files), change
                                           nothing, exit 1 if anything would fail
            """);
    for (Flag flag : FLAGS) {
      line(text, flag.name() + "=" + flag.label(), flag.help());
    }
    line(text, "-h, --help", "show this help and exit");
    line(text, "-V, --version", "print the version and exit");
    return text.toString();
  }

  private static void line(StringBuilder text, String left, String help) {
    text.append("  ").append(left).append(" ".repeat(Math.max(1, 29 - left.length())));
    text.append(help).append('\n');
  }
}
