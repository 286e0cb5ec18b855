package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.oci.OciSpecBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciHooksTest {
  @TempDir Path tmp;

  private static OciHooks.Hook hook(String json) {
    return OciHooks.parse("test.json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** As podman and CRI-O match them: every condition set must hold; always:false never does. */
  @Test
  void everyConditionSetMustHold() {
    OciHooks.Hook gpu =
        hook(
            """
            {"version": "1.0.0", "hook": {"path": "/bin/true", "args": ["true", "prestart"]},
             "when": {"annotations": {"^vendor\\\\.com/gpu$": "^(yes|all)$"},
                      "commands": ["/nvidia-smi$"]},
             "stages": ["prestart", "poststop"]}
            """);
    assertThat(
            gpu.appliesTo(List.of("/usr/bin/nvidia-smi"), Map.of("vendor.com/gpu", "all"), false))
        .isTrue();
    assertThat(gpu.appliesTo(List.of("/bin/sh"), Map.of("vendor.com/gpu", "all"), false))
        .as("the annotation alone")
        .isFalse();
    assertThat(gpu.appliesTo(List.of("/usr/bin/nvidia-smi"), Map.of(), false))
        .as("the command alone")
        .isFalse();

    OciHooks.Hook binds =
        hook(
            """
            {"version": "1.0.0", "hook": {"path": "/bin/true"},
             "when": {"hasBindMounts": true}, "stages": ["createRuntime"]}
            """);
    assertThat(binds.appliesTo(List.of("x"), Map.of(), true)).isTrue();
    assertThat(binds.appliesTo(List.of("x"), Map.of(), false)).isFalse();

    OciHooks.Hook never =
        hook(
            """
            {"version": "1.0.0", "hook": {"path": "/bin/true"},
             "when": {"always": false}, "stages": ["prestart"]}
            """);
    assertThat(never.appliesTo(List.of("x"), Map.of("a", "b"), true)).isFalse();

    OciSpecBuilder spec = OciSpecBuilder.criDefaults().args(List.of("/usr/bin/nvidia-smi"));
    OciHooks.applyTo(
        spec, List.of(gpu), List.of("/usr/bin/nvidia-smi"), Map.of("vendor.com/gpu", "yes"), false);
    var hooks = spec.build().hooks();
    assertThat(hooks.prestart())
        .extracting(h -> h.args())
        .containsExactly(List.of("true", "prestart"));
    assertThat(hooks.poststop()).hasSize(1);
    assertThat(hooks.createRuntime()).isNullOrEmpty();
  }

  @Test
  void invalidFilesAreRefusedNamingTheProblem() {
    assertThatThrownBy(() -> hook("{\"version\": \"0.1.0\"}")).hasMessageContaining("not 1.0.0");
    assertThatThrownBy(
            () ->
                hook(
                    """
                    {"version": "1.0.0", "hook": {"path": "/no/such/hook"},
                     "when": {"always": true}, "stages": ["prestart"]}
                    """))
        .hasMessageContaining("/no/such/hook does not exist");
    assertThatThrownBy(
            () ->
                hook(
                    """
                    {"version": "1.0.0", "hook": {"path": "/bin/true"},
                     "when": {"always": true}, "stages": ["beforeEverything"]}
                    """))
        .hasMessageContaining("unknown stage 'beforeEverything'");
    assertThatThrownBy(
            () ->
                hook(
                    """
                    {"version": "1.0.0", "hook": {"path": "/bin/true"},
                     "when": {}, "stages": ["prestart"]}
                    """))
        .hasMessageContaining("no condition");
    assertThatThrownBy(
            () ->
                hook(
                    """
                    {"version": "1.0.0", "hook": {"path": "/bin/true"},
                     "when": {"commands": ["("]}, "stages": ["prestart"]}
                    """))
        .hasMessageContaining("not a regular expression");
  }

  @Test
  void aLaterDirectoryReplacesAFileOfTheSameNameAndFilesRunInNameOrder() throws Exception {
    Path usr = Files.createDirectories(tmp.resolve("usr"));
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    String template =
        """
        {"version": "1.0.0", "hook": {"path": "/bin/true", "args": ["%s"]},
         "when": {"always": true}, "stages": ["prestart"]}
        """;
    Files.writeString(usr.resolve("50-vendor.json"), template.formatted("usr"));
    Files.writeString(usr.resolve("10-first.json"), template.formatted("first"));
    Files.writeString(etc.resolve("50-vendor.json"), template.formatted("etc"));
    Files.writeString(etc.resolve("README"), "not a hook");

    assertThat(new OciHooks(List.of(usr, etc, tmp.resolve("absent"))).current())
        .extracting(h -> h.hook().args().getFirst())
        .containsExactly("first", "etc");
    Files.writeString(etc.resolve("60-broken.json"), "{");
    assertThatThrownBy(() -> new OciHooks(List.of(usr, etc)).current())
        .hasMessageContaining("60-broken.json is invalid: not valid JSON");
  }
}
