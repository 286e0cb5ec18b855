package io.caisson.config;

import io.caisson.json.JsonName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration: the TOML file with command-line flags applied on top. Field names
 * are the TOML keys; {@link ConfigLoader} fills defaults and {@link ConfigValidator} checks values.
 */
public record CaissonConfig(
    Path socket,
    Path root,
    Path state,
    @JsonName("log_level") String logLevel,
    @JsonName("cgroup_driver") String cgroupDriver,
    @JsonName("default_runtime") String defaultRuntime,
    Map<String, RuntimeHandler> runtimes,
    String monitor,
    @JsonName("conmon") Path conmon,
    @JsonName("pause_image") String pauseImage,
    @JsonName("pinned_images") List<String> pinnedImages,
    @JsonName("registries_conf") Path registriesConf,
    @JsonName("auth_file") Path authFile,
    @JsonName("certs_dir") Path certsDir,
    @JsonName("signature_policy") Path signaturePolicy,
    @JsonName("registries_d") Path registriesD,
    @JsonName("decryption_keys_path") Path decryptionKeysPath,
    @JsonName("pull_stall_timeout") Duration pullStallTimeout,
    @JsonName("max_concurrent_downloads") int maxConcurrentDownloads,
    @JsonName("cdi_spec_dirs") List<Path> cdiSpecDirs,
    @JsonName("hooks_dirs") List<Path> hooksDirs,
    @JsonName("additional_devices") List<String> additionalDevices,
    @JsonName("device_ownership_from_security_context") boolean deviceOwnershipFromSecurityContext,
    @JsonName("default_capabilities") List<String> defaultCapabilities,
    @JsonName("seccomp_profile") Path seccompProfile,
    @JsonName("default_ulimits") List<String> defaultUlimits,
    @JsonName("default_sysctls") List<String> defaultSysctls,
    @JsonName("default_env") List<String> defaultEnv,
    @JsonName("image_volumes") String imageVolumes,
    @JsonName("log_size_max") long logSizeMax,
    @JsonName("direct_exec") boolean directExec,
    Cni cni,
    Streaming streaming,
    Metrics metrics) {

  /**
   * An OCI runtime a pod may ask for by name through CRI's runtime_handler.
   *
   * @param privilegedWithoutHostDevices a privileged container of this runtime does not get the
   *     node's devices (a VM-based runtime has devices of its own)
   */
  public record RuntimeHandler(
      Path path,
      Path root,
      @JsonName("privileged_without_host_devices") boolean privilegedWithoutHostDevices) {}

  /** Where CNI network configs and plugin binaries live. */
  public record Cni(@JsonName("conf_dir") Path confDir, @JsonName("bin_dirs") List<Path> binDirs) {}

  /**
   * The exec / attach / port-forward server; TLS when both cert and key are set. A connection with
   * no traffic either way for {@code idleTimeout} is closed (zero: never).
   */
  public record Streaming(
      String address,
      @JsonName("tls_cert") Path tlsCert,
      @JsonName("tls_key") Path tlsKey,
      @JsonName("idle_timeout") Duration idleTimeout) {}

  /** The daemon's own Prometheus endpoint; an empty address turns it off. */
  public record Metrics(String address) {}

  /**
   * The given runtime handler (the default one for ""), or null when no such handler is configured.
   * A handler without a root of its own keeps its state under {@code state/NAME}, so two daemons
   * with different state directories never see each other's containers.
   */
  public RuntimeHandler runtime(String handler) {
    String name = handler.isEmpty() ? defaultRuntime : handler;
    RuntimeHandler configured = runtimes.get(name);
    if (configured == null || configured.root() != null) {
      return configured;
    }
    return new RuntimeHandler(
        configured.path(), state.resolve(name), configured.privilegedWithoutHostDevices());
  }

  /** {@code default_sysctls} as a map, in the order written (checked by ConfigValidator). */
  public Map<String, String> defaultSysctlMap() {
    Map<String, String> sysctls = new LinkedHashMap<>();
    for (String entry : defaultSysctls) {
      int eq = entry.indexOf('=');
      sysctls.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return Collections.unmodifiableMap(sysctls);
  }
}
