package io.caisson;

import io.caisson.common.log.LogLevels;
import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigLoader;
import io.caisson.config.InvalidConfigException;
import io.caisson.daemon.Daemon;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code caisson} command: serve CRI on a unix socket, or print the effective config. */
@Command(
    name = "caisson",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Kubernetes CRI (runtime.v1) container runtime.",
    subcommands = {Main.PrintConfig.class})
public final class Main implements Callable<Integer> {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "TOML config file (default ${DEFAULT-VALUE}; absent means built-in defaults)",
      defaultValue = "/etc/caisson/caisson.toml")
  Path configFile;

  @Option(names = "--socket", paramLabel = "PATH", description = "CRI unix socket")
  Path socket;

  @Option(names = "--root", paramLabel = "DIR", description = "durable state directory")
  Path root;

  @Option(names = "--state", paramLabel = "DIR", description = "volatile state directory")
  Path state;

  @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace|debug|info|warn|error")
  String logLevel;

  @Option(names = "--registries-conf", paramLabel = "FILE", description = "registries.conf (v2)")
  Path registriesConf;

  @Option(names = "--cni-conf-dir", paramLabel = "DIR", description = "CNI network configs")
  Path cniConfDir;

  @Option(
      names = "--cni-bin-dir",
      paramLabel = "DIR",
      description = "CNI plugin directory (repeatable; replaces the configured list)")
  List<Path> cniBinDirs;

  @Option(names = "--stream-address", paramLabel = "HOST:PORT", description = "streaming server")
  String streamAddress;

  @Option(
      names = "--metrics-address",
      paramLabel = "HOST:PORT",
      description = "Prometheus metrics (empty: off)")
  String metricsAddress;

  @Option(names = "--cgroup-driver", paramLabel = "DRIVER", description = "cgroupfs|systemd")
  String cgroupDriver;

  @Option(names = "--pause-image", paramLabel = "IMAGE", description = "infra container image")
  String pauseImage;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    CaissonConfig config = loadOrExit();
    LogLevels.setCaissonLevel(config.logLevel());
    return new Daemon(config).runUntilSignalled();
  }

  CaissonConfig loadOrExit() {
    boolean explicit = spec.commandLine().getParseResult().hasMatchedOption("--config");
    try {
      return new ConfigLoader().load(configFile, explicit, overrides());
    } catch (InvalidConfigException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "invalid configuration: " + e.getMessage(), e);
    }
  }

  /** Flags that were given, as dotted config keys; they win over the file. */
  Map<String, Object> overrides() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    put(overrides, "socket", socket);
    put(overrides, "root", root);
    put(overrides, "state", state);
    put(overrides, "log_level", logLevel);
    put(overrides, "registries_conf", registriesConf);
    put(overrides, "cni.conf_dir", cniConfDir);
    if (cniBinDirs != null) {
      overrides.put("cni.bin_dirs", cniBinDirs.stream().map(Path::toString).toList());
    }
    put(overrides, "streaming.address", streamAddress);
    put(overrides, "metrics.address", metricsAddress);
    put(overrides, "cgroup_driver", cgroupDriver);
    put(overrides, "pause_image", pauseImage);
    return overrides;
  }

  private static void put(Map<String, Object> overrides, String key, Object value) {
    if (value != null) {
      overrides.put(key, value.toString());
    }
  }

  /** {@code caisson config}: the effective configuration as TOML, flags applied. */
  @Command(name = "config", description = "Print the effective configuration as TOML and exit.")
  static final class PrintConfig implements Callable<Integer> {
    @CommandLine.ParentCommand Main parent;

    @Override
    public Integer call() {
      CaissonConfig config = parent.loadOrExit();
      System.out.print(new ConfigLoader().toToml(config));
      return 0;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"caisson " + BuildInfo.version()};
    }
  }
}
