package io.caisson;

import io.caisson.common.log.LogLevels;
import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigLoader;
import io.caisson.config.InvalidConfigException;
import io.caisson.daemon.Daemon;
import io.caisson.daemon.Preflight;

/**
 * The {@code caisson} command: serve CRI on a unix socket, print the effective config, or check the
 * node (exit status 1 when something would fail). Exit status 2 for a command line or configuration
 * that cannot be used, as the usual CLI convention.
 */
public final class Main {
  private static final int USAGE = 2;

  private Main() {}

  public static void main(String[] args) throws Exception {
    DaemonFlags flags;
    try {
      flags = DaemonFlags.parse(args);
    } catch (DaemonFlags.UsageException e) {
      System.err.println("caisson: " + e.getMessage());
      System.err.print(DaemonFlags.usage());
      System.exit(USAGE);
      return;
    }
    int status;
    try {
      status = run(flags);
    } catch (Exception | Error e) {
      // Whatever failed, the process ends: threads start-up left behind must not keep it alive,
      // deaf to SIGTERM.
      System.err.println("caisson: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  private static int run(DaemonFlags flags) throws Exception {
    switch (flags.what()) {
      case HELP -> {
        System.out.print(DaemonFlags.usage());
        return 0;
      }
      case VERSION -> {
        System.out.println("caisson " + BuildInfo.version());
        return 0;
      }
      default -> {
        // load below
      }
    }
    CaissonConfig config;
    try {
      config = new ConfigLoader().load(flags.configFile(), flags.configGiven(), flags.overrides());
    } catch (InvalidConfigException e) {
      System.err.println("caisson: invalid configuration: " + e.getMessage());
      return USAGE;
    }
    if (flags.what() == DaemonFlags.What.PRINT_CONFIG) {
      System.out.print(new ConfigLoader().toToml(config));
      return 0;
    }
    if (flags.what() == DaemonFlags.What.CHECK) {
      LogLevels.setCaissonLevel("error"); // the report says it all, once
      return new Preflight(config).run(System.out);
    }
    LogLevels.setCaissonLevel(config.logLevel());
    return new Daemon(
            config,
            () ->
                new ConfigLoader().load(flags.configFile(), flags.configGiven(), flags.overrides()))
        .runUntilSignalled();
  }
}
