package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.common.PreflightFinding;
import io.caisson.common.PreflightFinding.Level;
import io.caisson.config.CaissonConfig;
import io.caisson.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code caisson check} against a node set up wrong on purpose: each fault is named on its line,
 * and the node's real runc and kernel are found as they are.
 */
class PreflightTest {
  @TempDir Path tmp;

  private CaissonConfig config(Map<String, Object> overrides) throws Exception {
    return new ConfigLoader().load(tmp.resolve("absent.toml"), false, overrides);
  }

  private static PreflightFinding about(List<PreflightFinding> findings, String subject) {
    return findings.stream()
        .filter(f -> f.subject().startsWith(subject))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no finding about " + subject + ": " + findings));
  }

  @Test
  void whatWouldFailPodsOrPullsIsAFailureNamingIt() throws Exception {
    Path net = Files.createDirectories(tmp.resolve("net.d"));
    Files.writeString(
        net.resolve("10-test.conflist"),
        """
        {"cniVersion": "1.0.0", "name": "test", "plugins": [{"type": "no-such-plugin"}]}
        """);
    Path policy = Files.writeString(tmp.resolve("policy.json"), "{\"default\": [");
    Path keys = Files.createDirectories(tmp.resolve("keys"));
    Files.writeString(
        keys.resolve("locked.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n"
            + "-----END RSA PRIVATE KEY-----\n");
    CaissonConfig config =
        config(
            Map.of(
                "monitor", "conmon",
                "conmon", tmp.resolve("no-conmon").toString(),
                "cni.conf_dir", net.toString(),
                "cni.bin_dirs", List.of(Files.createDirectories(tmp.resolve("bin")).toString()),
                "signature_policy", policy.toString(),
                "decryption_keys_path", keys.toString(),
                "root", "/dev/shm/caisson-preflight-test",
                "state", tmp.resolve("state").toString()));

    List<PreflightFinding> findings = new Preflight(config).findings();
    assertThat(about(findings, "runtime handler runc").level()).isEqualTo(Level.OK);
    assertThat(about(findings, "runtime handler runc").detail()).contains("runc version");
    assertThat(about(findings, "monitor"))
        .isEqualTo(
            PreflightFinding.fail(
                "monitor", tmp.resolve("no-conmon") + " is not an executable file"));
    assertThat(about(findings, "pod network").level()).isEqualTo(Level.FAIL);
    assertThat(about(findings, "pod network").detail()).contains("no-such-plugin");
    assertThat(about(findings, "signature policy").level()).isEqualTo(Level.FAIL);
    assertThat(about(findings, "signature policy").detail()).contains("is invalid");
    assertThat(about(findings, "decryption keys").level()).isEqualTo(Level.WARN);
    assertThat(about(findings, "decryption keys").detail()).contains("locked.pem is encrypted");
    assertThat(about(findings, "root").level()).isEqualTo(Level.WARN);
    assertThat(about(findings, "root").detail()).contains("tmpfs").contains("lost at a reboot");
    assertThat(about(findings, "overlayfs").level()).isEqualTo(Level.OK);
    assertThat(Files.exists(Path.of("/dev/shm/caisson-preflight-test"))).isFalse();
    assertThat(tmp.resolve("state")).doesNotExist();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(new Preflight(config).run(new PrintStream(out, true, StandardCharsets.UTF_8)))
        .isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("fail  monitor: " + tmp.resolve("no-conmon"))
        .contains("3 failures");
  }

  @Test
  void aNodeSetUpRightPasses() throws Exception {
    Path net = Files.createDirectories(tmp.resolve("net.d"));
    Files.writeString(
        net.resolve("10-test.conflist"),
        """
        {"cniVersion": "1.0.0", "name": "test", "plugins": [{"type": "loopback"}]}
        """);
    CaissonConfig config =
        config(
            Map.of(
                "cni.conf_dir",
                net.toString(),
                "signature_policy",
                "",
                "registries_conf",
                tmp.resolve("registries.conf").toString(),
                "decryption_keys_path",
                "",
                // Where a node keeps it: /tmp may be a tmpfs, which the check warns about.
                "root",
                "/var/tmp/caisson-preflight-test/root",
                "state",
                tmp.resolve("state").toString()));
    List<PreflightFinding> findings = new Preflight(config).findings();
    assertThat(findings)
        .allSatisfy(f -> assertThat(f.level()).as(f.toString()).isEqualTo(Level.OK));
    assertThat(about(findings, "pod network").detail()).contains("'test'").contains("[loopback]");
    assertThat(new Preflight(config).run(new PrintStream(new ByteArrayOutputStream()))).isZero();
  }
}
