package io.caisson.toml;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonReader;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class TomlWriterTest {

  /** Writes {@code tree}, checks that it reads back equal, and returns the text. */
  private static String roundTrip(JsonObject tree) throws TomlException {
    String toml = TomlWriter.write(tree);
    assertThat(TomlReader.read(toml)).as(toml).isEqualTo(tree);
    return toml;
  }

  private static JsonObject json(String text) throws Exception {
    return (JsonObject) JsonReader.standard().read(text);
  }

  @Test
  void valuesFirstThenSubTablesAsSectionsDepthFirst() throws Exception {
    JsonObject tree =
        json(
            """
            {"cni": {"conf_dir": "/etc/cni/net.d"},
             "socket": "/run/caisson/caisson.sock",
             "runtimes": {"runc": {"path": "/usr/sbin/runc", "opts": {"systemd": true}},
                          "kata": {"path": "/usr/bin/kata", "privileged_without_host_devices": true}},
             "max_concurrent_downloads": 3,
             "direct_exec": false,
             "cdi_spec_dirs": ["/etc/cdi", "/var/run/cdi"]}
            """);
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            socket = "/run/caisson/caisson.sock"
            max_concurrent_downloads = 3
            direct_exec = false
            cdi_spec_dirs = ["/etc/cdi", "/var/run/cdi"]

            [cni]
            conf_dir = "/etc/cni/net.d"

            [runtimes.runc]
            path = "/usr/sbin/runc"

            [runtimes.runc.opts]
            systemd = true

            [runtimes.kata]
            path = "/usr/bin/kata"
            privileged_without_host_devices = true
            """);
  }

  @Test
  void arraysOfObjectsAreArraysOfTablesWithTheirOwnSubSections() throws Exception {
    JsonObject tree =
        json(
            """
            {"registry": [
               {"prefix": "docker.io", "location": "mirror.gcr.io",
                "mirror": [{"location": "m1.example"}, {"location": "m2.example", "insecure": true}]},
               {"prefix": "quay.io", "blocked": true, "extra": {"note": "x"}}]}
            """);
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            [[registry]]
            prefix = "docker.io"
            location = "mirror.gcr.io"

            [[registry.mirror]]
            location = "m1.example"

            [[registry.mirror]]
            location = "m2.example"
            insecure = true

            [[registry]]
            prefix = "quay.io"
            blocked = true

            [registry.extra]
            note = "x"
            """);
  }

  @Test
  void emptyTablesKeepTheirHeaderAndTablesOfOnlyTablesLeaveItToThem() throws Exception {
    JsonObject tree = json("{\"a\": {}, \"b\": {\"c\": {\"d\": {}}}, \"e\": [{}, {}]}");
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            [a]

            [b.c.d]

            [[e]]

            [[e]]
            """);
    assertThat(roundTrip(new JsonObject())).isEmpty();
  }

  @Test
  void nullAndMissingAreLeftOut() throws Exception {
    JsonObject tree = json("{\"a\": null, \"b\": 1, \"t\": {\"x\": null}, \"l\": [1, null, 2]}");
    String toml = TomlWriter.write(tree);
    assertThat(toml).isEqualTo("b = 1\nl = [1, 2]\n\n[t]\n");
    assertThat(TomlReader.read(toml)).isEqualTo(json("{\"b\": 1, \"l\": [1, 2], \"t\": {}}"));
  }

  @Test
  void stringsAreBasicStringsWithEscapes() throws Exception {
    JsonObject tree =
        new JsonObject()
            .put("quote", "say \"hi\"")
            .put("path", "C:\\dir\\file")
            .put("controls", "a\tb\nc\rd\be\ff\u0001g\u007fh\u001fi")
            .put("unicode", "café ✓ \uD83D\uDE00")
            .put("empty", "")
            .put("hash", "# not a comment")
            .put("triple", "\"\"\"'''");
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            quote = "say \\"hi\\""
            path = "C:\\\\dir\\\\file"
            controls = "a\\tb\\nc\\rd\\be\\ff\\u0001g\\u007Fh\\u001Fi"
            unicode = "café ✓ \uD83D\uDE00"
            empty = ""
            hash = "# not a comment"
            triple = "\\"\\"\\"'''"
            """);
  }

  @Test
  void keysAreBareWhereTomlAllowsAndQuotedElsewhere() throws Exception {
    JsonObject tree = new JsonObject();
    tree.put("bare_key-1", 1).put("with space", 2).put("dot.ted", 3).put("", 4).put("ünï", 5);
    tree.putObject("tab\"le").put("k", 1);
    tree.putObject("a").putObject("b.c").put("\"", true);
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            bare_key-1 = 1
            "with space" = 2
            "dot.ted" = 3
            "" = 4
            "ünï" = 5

            ["tab\\"le"]
            k = 1

            [a."b.c"]
            "\\"" = true
            """);
  }

  @Test
  void numbersAsTheirLiteral() throws Exception {
    JsonObject tree =
        new JsonObject()
            .set("big", new JsonNumber("18446744073709551615"))
            .set("negative", new JsonNumber("-9223372036854775808"))
            .set("float", new JsonNumber("6.626e-34"))
            .set("exp", new JsonNumber("1E5"))
            .set("zero", new JsonNumber("-0.0"))
            .put("pi", 3.14159);
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            big = 18446744073709551615
            negative = -9223372036854775808
            float = 6.626e-34
            exp = 1E5
            zero = -0.0
            pi = 3.14159
            """);
  }

  @Test
  void arraysThatAreNotAllObjectsStayInlineAndLongOnesTakeALinePerElement() throws Exception {
    JsonObject tree = new JsonObject();
    tree.putArray("empty");
    tree.putArray("nested").add(new JsonArray().add(1).add(2)).add(new JsonArray().add("x"));
    JsonArray mixed = tree.putArray("mixed").add(1);
    mixed.addObject().put("a", 1).putObject("b").put("c", "d");
    mixed.addObject();
    JsonArray objects = tree.putArray("objects_in_arrays");
    objects.addArray().addObject().put("deep", true);
    JsonArray caps = tree.putArray("default_capabilities");
    for (String cap :
        "CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP".split(" ")) {
      caps.add(cap);
    }
    assertThat(roundTrip(tree))
        .isEqualTo(
            """
            empty = []
            nested = [[1, 2], ["x"]]
            mixed = [1, { a = 1, b = { c = "d" } }, {}]
            objects_in_arrays = [[{ deep = true }]]
            default_capabilities = [
              "CHOWN",
              "DAC_OVERRIDE",
              "FSETID",
              "FOWNER",
              "MKNOD",
              "NET_RAW",
              "SETGID",
              "SETUID",
              "SETFCAP",
              "SETPCAP",
            ]
            """);
  }

  @Test
  void caissonsDefaultsReadAndWriteBackEqual() throws Exception {
    JsonObject defaults;
    try (InputStream in =
        TomlWriterTest.class.getResourceAsStream("/io/caisson/config/defaults.toml")) {
      defaults = TomlReader.read(in);
    }
    assertThat(defaults.path("socket").asText()).isEqualTo("/run/caisson/caisson.sock");
    assertThat(defaults.path("log_size_max")).isEqualTo(new JsonNumber("-1"));
    assertThat(defaults.path("default_capabilities").size()).isEqualTo(14);
    assertThat(defaults.path("runtimes").path("runc").path("path").asText())
        .isEqualTo("/usr/sbin/runc");
    assertThat(defaults.path("metrics").path("address")).isEqualTo(new JsonString(""));

    String toml = roundTrip(defaults);
    assertThat(toml)
        .startsWith("socket = \"/run/caisson/caisson.sock\"\n")
        .contains("\n[runtimes.runc]\npath = \"/usr/sbin/runc\"\n")
        .contains(
            "\n[cni]\nconf_dir = \"/etc/cni/net.d\"\nbin_dirs = [\"/usr/lib/cni\", \"/opt/cni/bin\"]\n")
        .endsWith("\n[metrics]\naddress = \"\"\n")
        .doesNotContain("[runtimes]\n");
  }

  @Test
  void anOperatorsConfigWithOverridesRoundTrips() throws Exception {
    JsonObject config =
        TomlReader.read(
            """
            # /etc/caisson/caisson.toml
            log_level = 'debug'
            pinned_images = ["registry.k8s.io/pause*", "*coredns*"]
            default_ulimits = [
              "nofile=1048576:1048576",   # the default that most distros use
              "nproc=65535:65535",
            ]
            default_sysctls = ["net.ipv4.ping_group_range=0 2147483647"]
            log_size_max = 10_485_760
            streaming.idle_timeout = "30m"

            [runtimes.runc]
            path = "/usr/local/sbin/runc"

            [runtimes.kata]
            path = "/opt/kata/bin/kata-runtime"
            root = "/run/kata-containers/runtime"
            privileged_without_host_devices = true

            [runtimes."gvisor.v2"]
            path = '/usr/local/bin/runsc'

            [cni]
            conf_dir = "/etc/cni/net.d"
            bin_dirs = [
              "/usr/lib/cni",
              "/opt/cni/bin",
            ]
            """);
    assertThat(config.path("log_size_max")).isEqualTo(new JsonNumber("10485760"));
    assertThat(config.path("streaming").path("idle_timeout").asText()).isEqualTo("30m");
    assertThat(roundTrip(config))
        .contains("\n[runtimes.\"gvisor.v2\"]\npath = \"/usr/local/bin/runsc\"\n")
        .contains("\n[streaming]\nidle_timeout = \"30m\"\n");
  }

  @Test
  void aRegistriesConfV2RoundTrips() throws Exception {
    JsonObject conf =
        TomlReader.read(
            """
            unqualified-search-registries = ["registry.fedoraproject.org", "quay.io", "docker.io"]
            short-name-mode = "enforcing"
            credential-helpers = [ "containers-auth.json", "ecr-login" ]

            [[registry]]
            prefix = "docker.io"
            location = "registry-1.docker.io"
            mirror-by-digest-only = false

            [[registry.mirror]]
            location = "mirror.gcr.io"

            [[registry.mirror]]
            location = "10.0.0.5:5000"
            insecure = true
            pull-from-mirror = "digest-only"

            [[registry]]
            prefix = "*.internal.example.com"
            blocked = true

            [[registry]]
            location = "localhost:5000"
            insecure = true

            [aliases]
            "busybox" = "docker.io/library/busybox"
            "ubi9/ubi" = "registry.access.redhat.com/ubi9/ubi"
            """);
    JsonValue registries = conf.path("registry");
    assertThat(registries.size()).isEqualTo(3);
    assertThat(registries.path(0).path("mirror").path(1).path("pull-from-mirror").asText())
        .isEqualTo("digest-only");
    assertThat(conf.path("aliases").path("ubi9/ubi").asText())
        .isEqualTo("registry.access.redhat.com/ubi9/ubi");

    assertThat(roundTrip(conf))
        .isEqualTo(
            """
            unqualified-search-registries = ["registry.fedoraproject.org", "quay.io", "docker.io"]
            short-name-mode = "enforcing"
            credential-helpers = ["containers-auth.json", "ecr-login"]

            [[registry]]
            prefix = "docker.io"
            location = "registry-1.docker.io"
            mirror-by-digest-only = false

            [[registry.mirror]]
            location = "mirror.gcr.io"

            [[registry.mirror]]
            location = "10.0.0.5:5000"
            insecure = true
            pull-from-mirror = "digest-only"

            [[registry]]
            prefix = "*.internal.example.com"
            blocked = true

            [[registry]]
            location = "localhost:5000"
            insecure = true

            [aliases]
            busybox = "docker.io/library/busybox"
            "ubi9/ubi" = "registry.access.redhat.com/ubi9/ubi"
            """);
  }

  @Test
  void datesReadAsStringsWriteBackAsStrings() throws Exception {
    JsonObject tree = TomlReader.read("when = 1979-05-27T07:32:00Z\n");
    assertThat(roundTrip(tree)).isEqualTo("when = \"1979-05-27T07:32:00Z\"\n");
  }
}
