package io.caisson.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;
  private final ConfigLoader loader = new ConfigLoader();

  @Test
  void anAbsentDefaultFileMeansDefaults() throws Exception {
    CaissonConfig config = loader.load(dir.resolve("none.toml"), false, Map.of());
    assertThat(config.socket()).isEqualTo(Path.of("/run/caisson/caisson.sock"));
    assertThat(config.cgroupDriver()).isEqualTo("cgroupfs");
    assertThat(config.runtime("").path()).isEqualTo(Path.of("/usr/sbin/runc"));
    assertThat(config.cni().binDirs())
        .containsExactly(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
    assertThat(config.pullStallTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.cdiSpecDirs()).containsExactly(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));
    assertThat(config.pinnedImages()).isEmpty();
    assertThat(config.deviceOwnershipFromSecurityContext()).isFalse();
    assertThat(config.defaultCapabilities())
        .hasSize(14)
        .contains("NET_RAW", "MKNOD", "AUDIT_WRITE")
        .doesNotContain("SYS_ADMIN", "NET_ADMIN");
  }

  @Test
  void defaultUlimitsAreCheckedAtStart() throws Exception {
    assertInvalid(
        "default_ulimits = [\"nofiles=1\"]",
        "key 'default_ulimits': 'nofiles=1' names no resource");
    assertInvalid(
        "default_ulimits = [\"nofile=10:5\"]", "'nofile=10:5' has a soft limit above its hard one");
    assertThat(loader.load(dir.resolve("none.toml"), false, Map.of()).defaultUlimits()).isEmpty();
  }

  @Test
  void defaultSysctlsMustBeNamespaced() throws Exception {
    assertInvalid(
        "default_sysctls = [\"vm.swappiness=1\"]",
        "key 'default_sysctls': vm.swappiness is not a namespaced sysctl");
    assertInvalid(
        "default_sysctls = [\"net.ipv4.ip_forward\"]",
        "'net.ipv4.ip_forward' is not NAME=VALUE on one line");
    assertInvalid(
        "default_sysctls = [\"kernel.sem=1\", \"kernel.sem=2\"]", "kernel.sem is set twice");
    Path file =
        Files.writeString(
            dir.resolve("sysctls.toml"),
            "default_sysctls = [\"net.ipv4.ping_group_range=0 2147483647\", \"kernel.shmmni=8192\"]");
    assertThat(loader.load(file, true, Map.of()).defaultSysctlMap())
        .containsExactly(
            Map.entry("net.ipv4.ping_group_range", "0 2147483647"),
            Map.entry("kernel.shmmni", "8192"));
  }

  @Test
  void defaultCapabilitiesAreNamedOneByOne() throws Exception {
    assertInvalid(
        "default_capabilities = [\"CHOWN\", \"FLY\"]",
        "key 'default_capabilities': 'FLY' is not a capability");
    assertInvalid("default_capabilities = [\"ALL\"]", "'ALL' is not a capability (name each one)");
    Path file =
        Files.writeString(dir.resolve("caps.toml"), "default_capabilities = [\"CAP_CHOWN\"]");
    assertThat(loader.load(file, true, Map.of()).defaultCapabilities())
        .containsExactly("CAP_CHOWN");
  }

  @Test
  void dropInsLayOverTheFileInNameOrderAndFlagsOverThem() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("caisson.toml"), "log_level = \"debug\"\npinned_images = [\"a\"]\n");
    Path dropIns = Files.createDirectories(dir.resolve("caisson.d"));
    Files.writeString(
        dropIns.resolve("20-later.toml"), "log_level = \"warn\"\npinned_images = [\"c\"]\n");
    Files.writeString(
        dropIns.resolve("10-kata.toml"),
        "pinned_images = [\"b\"]\n[runtimes.kata]\npath = \"/usr/bin/kata-runtime\"\n");
    // Not drop-ins: another extension, a hidden file.
    Files.writeString(dropIns.resolve("30-notes.txt"), "log_level = \"trace\"\n");
    Files.writeString(dropIns.resolve(".40-hidden.toml"), "log_level = \"trace\"\n");

    CaissonConfig config = loader.load(file, true, Map.of());
    assertThat(config.logLevel()).isEqualTo("warn");
    assertThat(config.pinnedImages()).containsExactly("c");
    // A table a drop-in names is merged with the file's and the defaults', not replaced.
    assertThat(config.runtimes()).containsKeys("runc", "kata");
    assertThat(loader.load(file, true, Map.of("log_level", "error")).logLevel()).isEqualTo("error");
    // Drop-ins apply when the file itself is absent too.
    Files.delete(file);
    assertThat(loader.load(file, false, Map.of()).logLevel()).isEqualTo("warn");
  }

  @Test
  void aDropInWithAnUnknownKeyIsNamed() throws Exception {
    Path dropIns = Files.createDirectories(dir.resolve("caisson.d"));
    Path bad = Files.writeString(dropIns.resolve("50-typo.toml"), "pined_images = []\n");
    assertThatThrownBy(() -> loader.load(dir.resolve("caisson.toml"), false, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("pined_images");
    assertThat(ConfigLoader.dropInDir(Path.of("/etc/caisson/caisson.toml")))
        .isEqualTo(Path.of("/etc/caisson/caisson.d"));
  }

  @Test
  void logSizeMaxIsNoLimitOrAtLeastConmonsBuffer() throws Exception {
    assertThat(loader.load(dir.resolve("none.toml"), false, Map.of()).logSizeMax()).isEqualTo(-1);
    assertInvalid(
        "log_size_max = 100",
        "key 'log_size_max': must be -1 (no limit) or at least 8192 bytes, conmon's read buffer,"
            + " not 100");
    assertInvalid("log_size_max = 0", "not 0");
    assertThat(
            loader
                .load(dir.resolve("none.toml"), false, Map.of("log_size_max", "10485760"))
                .logSizeMax())
        .isEqualTo(10485760);
    // Past 2 GiB, from a flag or from the file: conmon takes 64 bits.
    assertThat(
            loader
                .load(dir.resolve("none.toml"), false, Map.of("log_size_max", "4294967296"))
                .logSizeMax())
        .isEqualTo(4294967296L);
    Path big = dir.resolve("big.toml");
    java.nio.file.Files.writeString(big, "log_size_max = 4294967296\n");
    assertThat(loader.load(big, true, Map.of()).logSizeMax()).isEqualTo(4294967296L);
    // A bad flag is named as a flag, not as a key of the (here absent) file.
    assertThatThrownBy(
            () -> loader.load(dir.resolve("none.toml"), false, Map.of("log_size_max", "lots")))
        .hasMessageStartingWith("the command line: key 'log_size_max'");
  }

  @Test
  void imageVolumesIsOneOfThreeModes() throws Exception {
    assertThat(loader.load(dir.resolve("none.toml"), false, Map.of()).imageVolumes())
        .isEqualTo("copy");
    assertInvalid(
        "image_volumes = \"bind\"",
        "key 'image_volumes': 'bind' is not one of [copy, ignore, mkdir]");
    assertThat(
            loader
                .load(dir.resolve("none.toml"), false, Map.of("image_volumes", "mkdir"))
                .imageVolumes())
        .isEqualTo("mkdir");
  }

  @Test
  void switchesAreTrueOrFalse() throws Exception {
    assertInvalid(
        "device_ownership_from_security_context = \"yes\"",
        "device_ownership_from_security_context");
    assertThat(
            loader
                .load(
                    dir.resolve("none.toml"),
                    false,
                    Map.of("device_ownership_from_security_context", "true"))
                .deviceOwnershipFromSecurityContext())
        .isTrue();
  }

  @Test
  void aNodeSeccompProfileIsReadAtStart() throws Exception {
    assertInvalid(
        "seccomp_profile = \"" + dir.resolve("missing.json") + "\"",
        "key 'seccomp_profile': seccomp profile "
            + dir.resolve("missing.json")
            + " does not exist");
    Path broken =
        Files.writeString(dir.resolve("broken.json"), "{\"defaultAction\": \"SCMP_ACT_FLY\"}");
    assertInvalid("seccomp_profile = \"" + broken + "\"", "key 'seccomp_profile'");
    Path good =
        Files.writeString(dir.resolve("good.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
    Path file =
        Files.writeString(dir.resolve("seccomp.toml"), "seccomp_profile = \"" + good + "\"");
    assertThat(loader.load(file, true, Map.of()).seccompProfile()).isEqualTo(good);
    assertThat(loader.load(dir.resolve("none.toml"), false, Map.of()).seccompProfile()).isNull();
  }

  @Test
  void additionalDevicesAreHostContainerAndPermissions() throws Exception {
    assertInvalid(
        "additional_devices = [\"dev/fuse\"]",
        "key 'additional_devices': 'dev/fuse' is not HOST[:CONTAINER[:PERMISSIONS]]");
    assertInvalid("additional_devices = [\"/dev/fuse:/dev/fuse:rwx\"]", "r, w, m");
    assertThat(DeviceMapping.parse("/dev/fuse"))
        .isEqualTo(new DeviceMapping("/dev/fuse", "/dev/fuse", "rwm"));
    assertThat(DeviceMapping.parse("/dev/sdc:/dev/xvdc:r"))
        .isEqualTo(new DeviceMapping("/dev/sdc", "/dev/xvdc", "r"));
  }

  @Test
  void pinnedImagePatternsAreCheckedAtStart() throws Exception {
    assertInvalid(
        "pinned_images = [\"quay.io/*/app\"]",
        "key 'pinned_images': pattern 'quay.io/*/app' has a * elsewhere");
    assertInvalid("pinned_images = \"busybox\"", "pinned_images");
    Path file =
        Files.writeString(dir.resolve("pins.toml"), "pinned_images = [\"busybox\", \"quay.io/*\"]");
    assertThat(loader.load(file, true, Map.of()).pinnedImages())
        .containsExactly("busybox", "quay.io/*");
  }

  @Test
  void cdiSpecDirectoriesMustBeAbsoluteAndMayBeNone() throws Exception {
    assertInvalid(
        "cdi_spec_dirs = [\"cdi\"]", "key 'cdi_spec_dirs': 'cdi' is not an absolute path");
    Path file = Files.writeString(dir.resolve("none.toml"), "cdi_spec_dirs = []");
    assertThat(loader.load(file, true, Map.of()).cdiSpecDirs()).isEmpty();
  }

  @Test
  void aRuntimeWithoutARootKeepsItsStateUnderTheDaemonsStateDirectory() throws Exception {
    CaissonConfig byDefault = loader.load(dir.resolve("none.toml"), false, Map.of());
    assertThat(byDefault.runtime("").root()).isEqualTo(Path.of("/run/caisson/runc"));
    CaissonConfig elsewhere =
        loader.load(dir.resolve("none.toml"), false, Map.of("state", "/run/other"));
    assertThat(elsewhere.runtime("runc").root()).isEqualTo(Path.of("/run/other/runc"));
  }

  @Test
  void anExplicitFileMustExist() {
    assertThatThrownBy(() -> loader.load(dir.resolve("none.toml"), true, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void theFileOverridesDefaultsAndFlagsOverrideTheFile() throws Exception {
    Path file = dir.resolve("c.toml");
    Files.writeString(
        file,
        """
        log_level = "debug"
        pull_stall_timeout = "1m30s"
        [cni]
        conf_dir = "/etc/other/net.d"
        [runtimes.kata]
        path = "/usr/bin/kata-runtime"
        root = "/run/kata"
        privileged_without_host_devices = true
        """);
    CaissonConfig config =
        loader.load(file, true, Map.of("log_level", "warn", "cni.bin_dirs", List.of("/x/bin")));
    assertThat(config.logLevel()).isEqualTo("warn");
    assertThat(config.cni().confDir()).isEqualTo(Path.of("/etc/other/net.d"));
    assertThat(config.cni().binDirs()).containsExactly(Path.of("/x/bin"));
    assertThat(config.runtimes()).containsKeys("runc", "kata");
    assertThat(config.runtime("kata").root()).isEqualTo(Path.of("/run/kata"));
    assertThat(config.runtime("kata").privilegedWithoutHostDevices()).isTrue();
    assertThat(config.runtime("runc").privilegedWithoutHostDevices()).isFalse();
    assertThat(config.pullStallTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.streaming().idleTimeout()).isEqualTo(Duration.ofHours(4));
  }

  @Test
  void unknownKeysAreNamed() throws Exception {
    Path file = dir.resolve("c.toml");
    Files.writeString(file, "[cni]\nconfdir = \"/x\"\n");
    assertThatThrownBy(() -> loader.load(file, true, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("unknown key 'cni.confdir'");
  }

  @Test
  void badValuesAreNamedWithTheReason() throws Exception {
    assertInvalid("log_level = \"loud\"", "key 'log_level'");
    assertInvalid("root = \"relative/dir\"", "not an absolute path");
    assertInvalid("default_runtime = \"kata\"", "'kata' is not one of the runtimes");
    assertInvalid("pull_stall_timeout = \"soon\"", "pull_stall_timeout");
    assertInvalid("max_concurrent_downloads = 0", "max_concurrent_downloads");
    assertInvalid("[streaming]\naddress = \"localhost\"", "streaming.address");
    assertInvalid("[streaming]\ntls_cert = \"/c.pem\"", "set both");
    assertInvalid("[streaming]\nidle_timeout = \"a while\"", "streaming.idle_timeout");
    assertInvalid("socket = [", "not valid TOML");
    assertInvalid("max_concurrent_downloads = \"many\"", "max_concurrent_downloads");
  }

  @Test
  void valuesOfTheWrongKindAndUnknownNestedKeysNameTheirPath() throws Exception {
    assertInvalid("log_level = 5", "key 'log_level': expected a string, not 5");
    assertInvalid("[cni]\nbin_dirs = \"/x\"", "key 'cni.bin_dirs': expected a list of paths");
    assertInvalid("cni = \"x\"", "key 'cni': expected a table");
    assertInvalid("[runtimes.kata]\npaht = \"/x\"", "unknown key 'runtimes.kata.paht'");
    assertInvalid("[metrics]\nadress = \"\"", "unknown key 'metrics.adress'");
    assertInvalid("max_concurrent_downloads = 2.5", "key 'max_concurrent_downloads'");
  }

  @Test
  void flagsOverrideTheFileWithStringsAndLists() throws Exception {
    Path file = dir.resolve("flags.toml");
    Files.writeString(file, "log_level = \"warn\"\n");
    CaissonConfig config =
        loader.load(
            file,
            true,
            Map.of(
                "log_level", "debug", "cni.bin_dirs", List.of("/a", "/b"), "metrics.address", ""));
    assertThat(config.logLevel()).isEqualTo("debug");
    assertThat(config.cni().binDirs()).containsExactly(Path.of("/a"), Path.of("/b"));
    assertThat(config.metrics().address()).isEmpty();
  }

  @Test
  void theEffectiveConfigRoundTripsThroughToml() throws Exception {
    CaissonConfig config = loader.load(dir.resolve("none.toml"), false, Map.of("root", "/srv/c"));
    Path file = dir.resolve("out.toml");
    Files.writeString(file, loader.toToml(config));
    assertThat(loader.load(file, true, Map.of())).isEqualTo(config);
  }

  @Test
  void durationsParseAndFormat() {
    assertThat(DurationText.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationText.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(DurationText.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThatThrownBy(() -> DurationText.parse("1x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hostPortParses() {
    assertThat(HostPort.parse("127.0.0.1:10010")).isEqualTo(new HostPort("127.0.0.1", 10010));
    assertThat(HostPort.parse("[::1]:0")).isEqualTo(new HostPort("::1", 0));
    assertThatThrownBy(() -> HostPort.parse("host:99999"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void assertInvalid(String toml, String expected) throws Exception {
    Path file = dir.resolve("bad.toml");
    Files.writeString(file, toml + "\n");
    assertThatThrownBy(() -> loader.load(file, true, Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(expected);
  }
}
