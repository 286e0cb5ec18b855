package io.caisson.container.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.CDIDevice;
import io.caisson.cri.v1.ContainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdiRegistryTest {
  @TempDir Path dir;
  private Path etc;
  private Path run;
  private CdiRegistry registry;

  @BeforeEach
  void dirs() throws Exception {
    etc = Files.createDirectories(dir.resolve("etc-cdi"));
    run = Files.createDirectories(dir.resolve("run-cdi"));
    registry = new CdiRegistry(List.of(etc, run, dir.resolve("absent")));
  }

  @Test
  void aYamlSpecsDeviceGivesItsOwnAndTheSpecWideEdits() throws Exception {
    Files.writeString(
        etc.resolve("vendor.yaml"),
        """
        cdiVersion: "0.6.0"
        kind: vendor.example.com/gpu
        containerEdits:
          env: ["VENDOR_DRIVER=1"]
        devices:
          - name: "0"
            containerEdits:
              env: ["GPU=0"]
              deviceNodes:
                - path: /dev/vendor-gpu0
                  hostPath: /dev/null
              additionalGids: [0, 44, 44]
          - name: "1"
            containerEdits:
              env: ["GPU=1"]
        """);

    CdiInjection both =
        registry.resolve(List.of("vendor.example.com/gpu=0", "vendor.example.com/gpu=1"));

    // The spec-wide edits once, before the first of its devices.
    assertThat(both.env()).containsExactly("VENDOR_DRIVER=1", "GPU=0", "GPU=1");
    assertThat(both.devices())
        .containsExactly("vendor.example.com/gpu=0", "vendor.example.com/gpu=1");
    assertThat(both.nodes()).hasSize(1);
    var node = both.nodes().getFirst();
    // Type and numbers from the host's /dev/null: character device 1:3.
    assertThat(node.device().path()).isEqualTo("/dev/vendor-gpu0");
    assertThat(node.device().type()).isEqualTo("c");
    assertThat(node.device().major()).isEqualTo(1);
    assertThat(node.device().minor()).isEqualTo(3);
    assertThat(node.access()).isEqualTo("rwm");
    assertThat(both.additionalGids()).containsExactly(44L);
  }

  @Test
  void aJsonSpecInALaterDirectoryOverridesTheSameDeviceInAnEarlierOne() throws Exception {
    Files.writeString(etc.resolve("a.json"), spec("x.io/dev", "d", "FROM=etc"));
    Files.writeString(run.resolve("b.json"), spec("x.io/dev", "d", "FROM=run"));

    assertThat(registry.resolve(List.of("x.io/dev=d")).env()).containsExactly("FROM=run");
  }

  @Test
  void aSpecFileIsReadAgainWhenItChangesAndForgottenWhenItGoes() throws Exception {
    Path file = etc.resolve("a.json");
    Files.writeString(file, spec("x.io/dev", "d", "V=1"));
    assertThat(registry.resolve(List.of("x.io/dev=d")).env()).containsExactly("V=1");

    // Same size, new content: the time stamp tells.
    Files.writeString(file, spec("x.io/dev", "d", "V=2"));
    assertThat(registry.resolve(List.of("x.io/dev=d")).env()).containsExactly("V=2");
    // Replaced by a rename, as tools write them: a new file.
    Path fresh = etc.resolve("a.json.tmp");
    Files.writeString(fresh, spec("x.io/dev", "d", "V=33"));
    Files.move(fresh, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(registry.resolve(List.of("x.io/dev=d")).env()).containsExactly("V=33");

    Files.delete(file);
    assertThatThrownBy(() -> registry.resolve(List.of("x.io/dev=d")))
        .isInstanceOf(CaissonException.class)
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.NOT_FOUND);
  }

  @Test
  void twoSpecsOfOneDirectoryDefiningADeviceMakeItUnusable() throws Exception {
    Files.writeString(etc.resolve("a.json"), spec("x.io/dev", "d", "FROM=a"));
    Files.writeString(etc.resolve("b.json"), spec("x.io/dev", "d", "FROM=b"));

    assertThatThrownBy(() -> registry.resolve(List.of("x.io/dev=d")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("defined by both")
        .hasMessageContaining("a.json")
        .hasMessageContaining("b.json")
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.FAILED_PRECONDITION);
  }

  @Test
  void anUndefinedDeviceIsNotFoundNamingTheDirectoriesAndTheSpecsThatCouldNotBeRead()
      throws Exception {
    Files.writeString(etc.resolve("broken.yaml"), "cdiVersion: [");
    Files.writeString(
        run.resolve("unknown-edit.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "x.io/dev",
         "devices": [{"name": "d", "containerEdits": {"envv": ["A=1"]}}]}
        """);

    assertThatThrownBy(() -> registry.resolve(List.of("x.io/dev=d")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("x.io/dev=d is not defined by any spec in")
        .hasMessageContaining(etc.toString())
        .hasMessageContaining("broken.yaml")
        .hasMessageContaining("unknown-edit.json")
        .hasMessageContaining("envv")
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.NOT_FOUND);
  }

  @Test
  void malformedNamesAreInvalidArguments() {
    for (String name :
        List.of(
            "gpu",
            "vendor.com/gpu",
            "vendor.com=gpu",
            "/gpu=0",
            "v.com/g=",
            "v.com/g=-x",
            "v.com/g/h=0")) {
      assertThatThrownBy(() -> registry.resolve(List.of(name)))
          .as(name)
          .isInstanceOf(CaissonException.class)
          .hasMessageContaining(name)
          .extracting(e -> ((CaissonException) e).kind())
          .isEqualTo(CaissonException.Kind.INVALID_ARGUMENT);
    }
  }

  @Test
  void aSpecOfVersionOneOneIsRead() throws Exception {
    Files.writeString(
        etc.resolve("v11.json"), spec("x.io/dev", "d", "A=1").replace("\"0.6.0\"", "\"1.1.0\""));

    CdiRegistry.Catalog catalog = registry.load();

    assertThat(catalog.unreadable()).isEmpty();
    assertThat(catalog.devices()).isNotEmpty();
  }

  @Test
  void specsOfUnknownVersionsOrKindsAreNotUsed() throws Exception {
    Files.writeString(
        etc.resolve("new.json"), spec("x.io/dev", "d", "A=1").replace("\"0.6.0\"", "\"2.0.0\""));
    Files.writeString(etc.resolve("kind.json"), spec("nokind", "e", "A=1"));

    CdiRegistry.Catalog catalog = registry.load();

    assertThat(catalog.devices()).isEmpty();
    assertThat(catalog.unreadable().get(etc.resolve("new.json"))).contains("cdiVersion '2.0.0'");
    assertThat(catalog.unreadable().get(etc.resolve("kind.json"))).contains("kind 'nokind'");
  }

  @Test
  void editsCaissonDoesNotMakeAreRefusedNamingThem() throws Exception {
    Files.writeString(
        etc.resolve("rdt.json"),
        """
        {"cdiVersion": "0.7.0", "kind": "x.io/dev",
         "devices": [{"name": "d", "containerEdits": {"intelRdt": {"closID": "gold"}}}]}
        """);

    assertThatThrownBy(() -> registry.resolve(List.of("x.io/dev=d")))
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining("x.io/dev=d")
        .hasMessageContaining("Intel RDT")
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.UNIMPLEMENTED);
  }

  @Test
  void editsThatCannotBeAppliedOnThisNodeAreAFailedPreconditionNamingTheSpec() throws Exception {
    Files.writeString(
        etc.resolve("bad.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "x.io/dev", "devices": [
          {"name": "gone", "containerEdits": {"deviceNodes": [{"path": "/dev/gone", "hostPath": "%s"}]}},
          {"name": "file", "containerEdits": {"deviceNodes": [{"path": "/dev/f", "hostPath": "%s"}]}},
          {"name": "stage", "containerEdits": {"hooks": [{"hookName": "later", "path": "/bin/true"}]}},
          {"name": "rel", "containerEdits": {"mounts": [{"hostPath": "lib", "containerPath": "/lib/x"}]}},
          {"name": "type", "containerEdits": {"deviceNodes": [{"path": "/dev/t", "hostPath": "/dev/null", "type": "b"}]}}
        ]}
        """
            .formatted(dir.resolve("missing"), etc.resolve("bad.json")));

    assertPrecondition("x.io/dev=gone", "does not exist");
    assertPrecondition("x.io/dev=file", "is not a device node");
    assertPrecondition("x.io/dev=stage", "hook stage 'later'");
    assertPrecondition("x.io/dev=rel", "mount hostPath 'lib' is not an absolute path");
    assertPrecondition("x.io/dev=type", "type b, but host node /dev/null is of type c");
  }

  @Test
  void theDevicesAskedForComeFromTheFieldThenFromKubeletsAnnotationsEachOnce() {
    ContainerConfig config =
        ContainerConfig.newBuilder()
            .addCDIDevices(CDIDevice.newBuilder().setName("a.io/x=1"))
            .putAnnotations("cdi.k8s.io/plugin", "a.io/x=1, a.io/x=2,")
            .putAnnotations("other", "a.io/x=3")
            .build();

    assertThat(CdiRegistry.requested(config)).containsExactly("a.io/x=1", "a.io/x=2");
  }

  private void assertPrecondition(String name, String message) {
    assertThatThrownBy(() -> registry.resolve(List.of(name)))
        .as(name)
        .isInstanceOf(CaissonException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(message)
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.FAILED_PRECONDITION);
  }

  private static String spec(String kind, String device, String env) {
    return """
        {"cdiVersion": "0.6.0", "kind": "%s",
         "devices": [{"name": "%s", "containerEdits": {"env": ["%s"]}}]}
        """
        .formatted(kind, device, env);
  }
}
