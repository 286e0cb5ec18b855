package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistriesConfTest {
  private static final String CONF =
      """
      unqualified-search-registries = ["docker.io"]

      [[registry]]
      prefix = "registry.k8s.io"
      location = "127.0.0.1:5000"
      insecure = true

      [[registry]]
      prefix = "quay.io"
      [[registry.mirror]]
      location = "mirror1.example.com/quay"
      [[registry.mirror]]
      location = "10.0.0.5:5000/q"
      insecure = true

      [[registry]]
      prefix = "quay.io/special"
      location = "special.example.com/s"

      [[registry]]
      prefix = "evil.example.com"
      blocked = true

      [[registry]]
      prefix = "docker.io"
      mirror-by-digest-only = true
      [[registry.mirror]]
      location = "hubcache.local"
      """;

  private final RegistriesConf conf = RegistriesConf.parse(CONF);

  private List<String> urls(String ref) {
    return conf.resolve(ImageReference.parse(ref)).stream()
        .map(RegistryEndpoint::toString)
        .toList();
  }

  @Test
  void locationRewriteReplacesUpstreamWithoutFallback() {
    // Insecure: https first (its session falls back to http when no TLS answers).
    assertThat(urls("registry.k8s.io/pause:3.10")).containsExactly("https://127.0.0.1:5000/pause");
    List<RegistryEndpoint> eps =
        conf.resolve(ImageReference.parse("registry.k8s.io/e2e-test-images/busybox:1.29-2"));
    assertThat(eps).hasSize(1);
    assertThat(eps.getFirst().repository()).isEqualTo("e2e-test-images/busybox");
    assertThat(eps.getFirst().mirror()).isFalse();
    assertThat(eps.getFirst().insecure()).isTrue();
    assertThat(eps.getFirst().host()).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void mirrorsInOrderThenUpstream() {
    assertThat(urls("quay.io/org/app:1"))
        .containsExactly(
            "https://mirror1.example.com/quay/org/app",
            "https://10.0.0.5:5000/q/org/app",
            "https://quay.io/org/app");
    List<RegistryEndpoint> eps = conf.resolve(ImageReference.parse("quay.io/org/app"));
    assertThat(eps).extracting(RegistryEndpoint::mirror).containsExactly(true, true, false);
    assertThat(eps).extracting(RegistryEndpoint::insecure).containsExactly(false, true, false);
  }

  @Test
  void longestPrefixWins() {
    assertThat(urls("quay.io/special/x")).containsExactly("https://special.example.com/s/x");
  }

  @Test
  void prefixMatchesWholeComponentsOnly() {
    assertThat(urls("quay.io/specialist/x")).last().isEqualTo("https://quay.io/specialist/x");
  }

  @Test
  void unlistedRegistryGoesDirectLoopbackOverHttp() {
    assertThat(urls("example.org/a/b")).containsExactly("https://example.org/a/b");
    assertThat(urls("localhost:5001/a")).containsExactly("http://localhost:5001/a");
    assertThat(urls("127.0.0.1:5001/a")).containsExactly("http://127.0.0.1:5001/a");
  }

  @Test
  void dockerHubUsesItsApiHost() {
    assertThat(urls("busybox")).containsExactly("https://registry-1.docker.io/library/busybox");
    assertThat(urls("busybox@sha256:" + "b".repeat(64)))
        .containsExactly(
            "https://hubcache.local/library/busybox",
            "https://registry-1.docker.io/library/busybox");
  }

  @Test
  void blockedIsAClearError() {
    assertThatThrownBy(() -> conf.resolve(ImageReference.parse("evil.example.com/x")))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains("blocked");
            });
  }

  @Test
  void aPrefixWithATagOrDigestMatchesExactlyThatReference() {
    String bad = "sha256:" + "b".repeat(64);
    String good = "sha256:" + "c".repeat(64);
    RegistriesConf rules =
        RegistriesConf.parse(
            """
            [[registry]]
            prefix = "quay.io/team/app@%s"
            blocked = true
            [[registry]]
            prefix = "ghcr.io/org/app:bad"
            blocked = true
            [[registry]]
            prefix = "localhost:5000/app:v1"
            location = "127.0.0.1:5001/pinned"
            """
                .formatted(bad));
    assertThatThrownBy(() -> rules.resolve(ImageReference.parse("quay.io/team/app@" + bad)))
        .hasMessageContaining("quay.io/team/app@" + bad + " is blocked");
    assertThatThrownBy(() -> rules.resolve(ImageReference.parse("quay.io/team/app:v1@" + bad)))
        .hasMessageContaining("is blocked");
    assertThatThrownBy(() -> rules.resolve(ImageReference.parse("ghcr.io/org/app:bad")))
        .hasMessageContaining("ghcr.io/org/app:bad is blocked");
    // Anything else of those repositories goes as it would without the entries.
    assertThat(rules.resolve(ImageReference.parse("quay.io/team/app@" + good)))
        .extracting(RegistryEndpoint::toString)
        .containsExactly("https://quay.io/team/app");
    assertThat(rules.resolve(ImageReference.parse("ghcr.io/org/app:good")))
        .extracting(RegistryEndpoint::toString)
        .containsExactly("https://ghcr.io/org/app");
    assertThat(rules.resolve(ImageReference.parse("ghcr.io/org/app/sub:bad")))
        .extracting(RegistryEndpoint::toString)
        .containsExactly("https://ghcr.io/org/app/sub");
    // A port is no tag; a tagged prefix's location takes the place of its repository.
    assertThat(rules.resolve(ImageReference.parse("localhost:5000/app:v1")))
        .extracting(RegistryEndpoint::toString)
        .containsExactly("http://127.0.0.1:5001/pinned");
    assertThat(rules.resolve(ImageReference.parse("localhost:5000/app:v2")))
        .extracting(RegistryEndpoint::toString)
        .containsExactly("http://localhost:5000/app");
    assertThatThrownBy(() -> RegistriesConf.parse("[[registry]]\nprefix = \"q.io/a@sha256:x\"\n"))
        .hasMessageContaining("invalid digest");
    assertThatThrownBy(
            () -> RegistriesConf.parse("[[registry]]\nprefix = \"*.q.io/a@%s\"\n".formatted(bad)))
        .hasMessageContaining("wildcard prefix *.q.io/a@" + bad + " cannot have a tag or digest");
  }

  @Test
  void pullFromMirrorMustBeKnownAndNotBesideMirrorByDigestOnly() {
    assertThatThrownBy(
            () ->
                RegistriesConf.parse(
                    """
                    [[registry]]
                    prefix = "quay.io"
                    [[registry.mirror]]
                    location = "m.example.com"
                    pull-from-mirror = "digests-only"
                    """))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("pull-from-mirror = \"digests-only\", not one of");
    assertThatThrownBy(
            () ->
                RegistriesConf.parse(
                    """
                    [[registry]]
                    prefix = "quay.io"
                    mirror-by-digest-only = true
                    [[registry.mirror]]
                    location = "m.example.com"
                    pull-from-mirror = "all"
                    """))
        .hasMessageContaining("mirror-by-digest-only")
        .hasMessageContaining("pull-from-mirror");
    RegistriesConf ok =
        RegistriesConf.parse(
            """
            [[registry]]
            prefix = "quay.io"
            [[registry.mirror]]
            location = "m.example.com"
            pull-from-mirror = "tag-only"
            """);
    assertThat(ok.resolve(ImageReference.parse("quay.io/a:1"))).hasSize(2);
  }

  @Test
  void aV1FileIsRefusedAsSuchRatherThanReadAsNoRules() {
    assertThatThrownBy(
            () ->
                RegistriesConf.parse(
                    """
                    [registries.search]
                    registries = ["docker.io"]
                    [registries.block]
                    registries = ["evil.example.com"]
                    """))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("v1 format");
    assertThatThrownBy(
            () -> RegistriesConf.parse("[registries.insecure]\nregistries = [\"10.0.0.1\"]\n"))
        .hasMessageContaining("v1 format");
  }

  @Test
  void badTomlIsInvalid() {
    assertThatThrownBy(() -> RegistriesConf.parse("[[registry]\nprefix="))
        .isInstanceOf(CaissonException.class);
  }

  private static List<String> candidates(RegistriesConf conf, String text) {
    return conf.candidates(text).stream().map(ImageReference::toString).toList();
  }

  @Test
  void shortNamesResolveThroughAliasesThenSearchRegistriesElseDockerHub() {
    RegistriesConf none = RegistriesConf.parse("");
    assertThat(candidates(none, "busybox:1")).containsExactly("docker.io/library/busybox:1");
    assertThat(candidates(none, "quay.io/team/app")).containsExactly("quay.io/team/app");

    RegistriesConf search =
        RegistriesConf.parse(
            """
            unqualified-search-registries = ["quay.io", "docker.io", "127.0.0.1:5000"]
            [aliases]
            "app" = "registry.example.com/team/app"
            """);
    assertThat(candidates(search, "busybox:1"))
        .containsExactly(
            "quay.io/busybox:1", "docker.io/library/busybox:1", "127.0.0.1:5000/busybox:1");
    String digest = "sha256:" + "a".repeat(64);
    assertThat(candidates(search, "team/tool@" + digest))
        .containsExactly(
            "quay.io/team/tool@" + digest,
            "docker.io/team/tool@" + digest,
            "127.0.0.1:5000/team/tool@" + digest);
    // An alias wins over the search, and keeps the tag written.
    assertThat(candidates(search, "app:2")).containsExactly("registry.example.com/team/app:2");
    // Names with a registry are never searched.
    assertThat(candidates(search, "localhost/app")).containsExactly("localhost/app");
    assertThat(candidates(search, "docker.io/busybox"))
        .containsExactly("docker.io/library/busybox");

    // A drop-in's search list replaces the file's; its aliases join the file's.
    RegistriesConf merged =
        search.overlaidWith(
            RegistriesConf.parse(
                """
                unqualified-search-registries = ["mirror.example.com"]
                [aliases]
                "tool" = "tools.example.com/tool"
                """));
    assertThat(candidates(merged, "busybox")).containsExactly("mirror.example.com/busybox");
    assertThat(candidates(merged, "app")).containsExactly("registry.example.com/team/app");
    assertThat(candidates(merged, "tool:1")).containsExactly("tools.example.com/tool:1");
    assertThat(candidates(search.overlaidWith(RegistriesConf.parse("")), "busybox")).hasSize(3);
  }

  @Test
  void credentialHelpersAreTheAuthFileUnlessListedAndADropInsListReplacesTheFiles() {
    assertThat(RegistriesConf.parse("").credentialHelpers())
        .containsExactly("containers-auth.json");
    RegistriesConf listed =
        RegistriesConf.parse("credential-helpers = [\"ecr-login\", \"containers-auth.json\"]\n");
    assertThat(listed.credentialHelpers()).containsExactly("ecr-login", "containers-auth.json");
    assertThat(listed.overlaidWith(RegistriesConf.parse("")).credentialHelpers())
        .containsExactly("ecr-login", "containers-auth.json");
    assertThat(
            listed
                .overlaidWith(RegistriesConf.parse("credential-helpers = [\"gcr\"]\n"))
                .credentialHelpers())
        .containsExactly("gcr");
    assertThatThrownBy(() -> RegistriesConf.parse("credential-helpers = [\"../x\"]\n"))
        .hasMessageContaining("credential-helpers has '../x', not a helper name");
    assertThatThrownBy(() -> RegistriesConf.parse("credential-helpers = \"gcr\"\n"))
        .hasMessageContaining("credential-helpers is no list");
  }

  @Test
  void searchRegistriesAndAliasesMustBeWhatTheyClaim() {
    assertThatThrownBy(
            () -> RegistriesConf.parse("unqualified-search-registries = [\"quay.io/team\"]"))
        .hasMessageContaining("not a registry host");
    assertThatThrownBy(() -> RegistriesConf.parse("[aliases]\n\"app\" = \"app2\"\n"))
        .hasMessageContaining("not a repository with its registry");
    assertThatThrownBy(() -> RegistriesConf.parse("[aliases]\n\"app\" = \"quay.io/app:1\"\n"))
        .hasMessageContaining("not a repository with its registry");
    assertThatThrownBy(() -> RegistriesConf.parse("[aliases]\n\"quay.io/app\" = \"quay.io/b\"\n"))
        .hasMessageContaining("is not a short name");
  }
}
