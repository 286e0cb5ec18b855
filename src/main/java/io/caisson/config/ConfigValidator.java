package io.caisson.config;

import io.caisson.common.CaissonException;
import io.caisson.image.PinnedImages;
import io.caisson.linux.CapabilityNames;
import io.caisson.linux.NamespacedSysctls;
import io.caisson.oci.SeccompProfiles;
import io.caisson.oci.Ulimits;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rejects a config that cannot run, naming the key and why, before anything starts. */
final class ConfigValidator {
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");
  private static final Set<String> CGROUP_DRIVERS = Set.of("cgroupfs");
  private static final Set<String> IMAGE_VOLUMES = Set.of("copy", "mkdir", "ignore");
  private static final Set<String> MONITORS = Set.of("caisson", "conmon");
  private static final int MIN_LOG_SIZE_MAX = 8192;

  private ConfigValidator() {}

  static void validate(CaissonConfig config) throws InvalidConfigException {
    absolute("socket", config.socket());
    absolute("root", config.root());
    absolute("state", config.state());
    oneOf("log_level", config.logLevel(), LOG_LEVELS);
    if ("systemd".equals(config.cgroupDriver())) {
      // runc's systemd driver wants a cgroupsPath of slice:prefix:name and Caisson reads and
      // kills cgroups at cgroupfs paths: every container would fail to start.
      throw new InvalidConfigException(
          "key 'cgroup_driver': 'systemd' is not supported: Caisson places containers with the"
              + " cgroupfs driver only (kubelet follows the runtime's driver; else set kubelet's"
              + " cgroupDriver to cgroupfs)");
    }
    oneOf("cgroup_driver", config.cgroupDriver(), CGROUP_DRIVERS);
    oneOf("image_volumes", config.imageVolumes(), IMAGE_VOLUMES);
    if (config.logSizeMax() != -1 && config.logSizeMax() < MIN_LOG_SIZE_MAX) {
      throw new InvalidConfigException(
          "key 'log_size_max': must be -1 (no limit) or at least %d bytes, conmon's read buffer, not %d"
              .formatted(MIN_LOG_SIZE_MAX, config.logSizeMax()));
    }
    runtimes(config.runtimes(), config.defaultRuntime());
    oneOf("monitor", config.monitor(), MONITORS);
    absolute("conmon", config.conmon());
    if (config.pauseImage() == null || config.pauseImage().isBlank()) {
      throw new InvalidConfigException("key 'pause_image': must name an image");
    }
    if (config.pinnedImages() == null) {
      throw new InvalidConfigException("key 'pinned_images' is missing (an empty list means none)");
    }
    for (String pattern : config.pinnedImages()) {
      String problem = PinnedImages.problem(pattern);
      if (problem != null) {
        throw new InvalidConfigException(
            "key 'pinned_images': pattern '" + pattern + "' " + problem);
      }
    }
    absolute("registries_conf", config.registriesConf());
    absolute("auth_file", config.authFile());
    absolute("certs_dir", config.certsDir());
    if (config.registriesD() != null) {
      absolute("registries_d", config.registriesD());
    }
    if (config.decryptionKeysPath() != null) {
      absolute("decryption_keys_path", config.decryptionKeysPath());
    }
    if (config.signaturePolicy() != null) {
      absolute("signature_policy", config.signaturePolicy());
    }
    if (config.pullStallTimeout() == null || !config.pullStallTimeout().isPositive()) {
      throw new InvalidConfigException("key 'pull_stall_timeout': must be a positive duration");
    }
    if (config.maxConcurrentDownloads() < 1 || config.maxConcurrentDownloads() > 64) {
      throw new InvalidConfigException(
          "key 'max_concurrent_downloads': must be between 1 and 64, not "
              + config.maxConcurrentDownloads());
    }
    if (config.cdiSpecDirs() == null) {
      throw new InvalidConfigException("key 'cdi_spec_dirs' is missing (an empty list means none)");
    }
    for (Path dir : config.cdiSpecDirs()) {
      absolute("cdi_spec_dirs", dir);
    }
    if (config.defaultCapabilities() == null) {
      throw new InvalidConfigException(
          "key 'default_capabilities' is missing (an empty list means none)");
    }
    for (String name : config.defaultCapabilities()) {
      String canonical = CapabilityNames.canonical(name);
      if (canonical == null || canonical.equals("CAP_ALL")) {
        throw new InvalidConfigException(
            "key 'default_capabilities': '" + name + "' is not a capability (name each one)");
      }
    }
    if (config.seccompProfile() != null) {
      absolute("seccomp_profile", config.seccompProfile());
      try {
        SeccompProfiles.RuntimeDefault.fromFile(config.seccompProfile());
      } catch (CaissonException e) {
        throw new InvalidConfigException("key 'seccomp_profile': " + e.getMessage());
      }
    }
    if (config.defaultUlimits() == null) {
      throw new InvalidConfigException(
          "key 'default_ulimits' is missing (an empty list means the daemon's own limits)");
    }
    try {
      Ulimits.parse(config.defaultUlimits());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("key 'default_ulimits': " + e.getMessage());
    }
    if (config.hooksDirs() == null) {
      throw new InvalidConfigException("key 'hooks_dirs' is missing (an empty list means none)");
    }
    for (Path dir : config.hooksDirs()) {
      absolute("hooks_dirs", dir);
    }
    if (config.additionalDevices() == null) {
      throw new InvalidConfigException(
          "key 'additional_devices' is missing (an empty list means none)");
    }
    for (String entry : config.additionalDevices()) {
      try {
        DeviceMapping.parse(entry);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException("key 'additional_devices': " + e.getMessage());
      }
    }
    if (config.defaultEnv() == null) {
      throw new InvalidConfigException("key 'default_env' is missing (an empty list means none)");
    }
    for (String entry : config.defaultEnv()) {
      if (entry.indexOf('=') <= 0) {
        throw new InvalidConfigException("key 'default_env': '" + entry + "' is not NAME=VALUE");
      }
    }
    if (config.defaultSysctls() == null) {
      throw new InvalidConfigException(
          "key 'default_sysctls' is missing (an empty list means none)");
    }
    defaultSysctls(config.defaultSysctls());
    cni(config.cni());
    streaming(config.streaming());
    if (config.metrics() == null) {
      throw new InvalidConfigException("table 'metrics' is missing");
    }
    if (!config.metrics().address().isEmpty()) {
      address("metrics.address", config.metrics().address());
    }
  }

  private static void defaultSysctls(List<String> entries) throws InvalidConfigException {
    Set<String> seen = new HashSet<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      String name = eq < 0 ? entry : entry.substring(0, eq);
      if (eq <= 0 || !NamespacedSysctls.wellFormed(name) || entry.contains("\n")) {
        throw new InvalidConfigException(
            "key 'default_sysctls': '" + entry + "' is not NAME=VALUE on one line");
      }
      if (NamespacedSysctls.namespaceOf(NamespacedSysctls.canonical(name)) == null) {
        throw new InvalidConfigException(
            "key 'default_sysctls': "
                + name
                + " is not a namespaced sysctl (only "
                + NamespacedSysctls.NAMESPACED
                + " differ between pods)");
      }
      if (!seen.add(name)) {
        throw new InvalidConfigException("key 'default_sysctls': " + name + " is set twice");
      }
    }
  }

  private static void runtimes(Map<String, CaissonConfig.RuntimeHandler> runtimes, String byDefault)
      throws InvalidConfigException {
    if (runtimes == null || runtimes.isEmpty()) {
      throw new InvalidConfigException("table 'runtimes': at least one runtime handler is needed");
    }
    for (Map.Entry<String, CaissonConfig.RuntimeHandler> entry : runtimes.entrySet()) {
      String prefix = "runtimes." + entry.getKey();
      if (!entry.getKey().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
        throw new InvalidConfigException(
            "key '" + prefix + "': a handler name is letters, digits, '_', '.', '-'");
      }
      absolute(prefix + ".path", entry.getValue().path());
      if (entry.getValue().root() != null) {
        absolute(prefix + ".root", entry.getValue().root());
      }
    }
    if (!runtimes.containsKey(byDefault)) {
      throw new InvalidConfigException(
          "key 'default_runtime': '%s' is not one of the runtimes %s"
              .formatted(byDefault, runtimes.keySet()));
    }
  }

  private static void cni(CaissonConfig.Cni cni) throws InvalidConfigException {
    if (cni == null) {
      throw new InvalidConfigException("table 'cni' is missing");
    }
    absolute("cni.conf_dir", cni.confDir());
    List<Path> binDirs = cni.binDirs();
    if (binDirs == null || binDirs.isEmpty()) {
      throw new InvalidConfigException("key 'cni.bin_dirs': at least one directory is needed");
    }
    for (Path dir : binDirs) {
      absolute("cni.bin_dirs", dir);
    }
  }

  private static void streaming(CaissonConfig.Streaming streaming) throws InvalidConfigException {
    if (streaming == null) {
      throw new InvalidConfigException("table 'streaming' is missing");
    }
    address("streaming.address", streaming.address());
    if ((streaming.tlsCert() == null) != (streaming.tlsKey() == null)) {
      throw new InvalidConfigException(
          "keys 'streaming.tls_cert' and 'streaming.tls_key': set both for TLS, or neither");
    }
    if (streaming.idleTimeout() == null || streaming.idleTimeout().isNegative()) {
      throw new InvalidConfigException(
          "key 'streaming.idle_timeout': a duration such as \"4h\", or \"0\" for none");
    }
  }

  private static void address(String key, String value) throws InvalidConfigException {
    try {
      HostPort.parse(value == null ? "" : value);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("key '" + key + "': " + e.getMessage());
    }
  }

  private static void absolute(String key, Path path) throws InvalidConfigException {
    if (path == null) {
      throw new InvalidConfigException("key '" + key + "' is missing");
    }
    if (!path.isAbsolute()) {
      throw new InvalidConfigException("key '" + key + "': '" + path + "' is not an absolute path");
    }
  }

  private static void oneOf(String key, String value, Set<String> allowed)
      throws InvalidConfigException {
    if (value == null || !allowed.contains(value)) {
      throw new InvalidConfigException(
          "key '%s': '%s' is not one of %s"
              .formatted(key, value, allowed.stream().sorted().toList()));
    }
  }
}
