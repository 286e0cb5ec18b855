package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignaturePolicyTest {
  private static SignaturePolicy policy(String json) {
    return SignaturePolicy.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static ImageReference ref(String text) {
    return ImageReference.parse(text).withDefaultTag();
  }

  @Test
  void theMostSpecificScopeDecides() {
    SignaturePolicy p =
        policy(
            """
            {"default": [{"type": "reject"}],
             "transports": {"docker": {
               "": [{"type": "insecureAcceptAnything"}],
               "*.example.com": [{"type": "reject"}],
               "registry.example.com": [{"type": "insecureAcceptAnything"}],
               "registry.example.com/team": [{"type": "reject"}],
               "registry.example.com/team/app": [{"type": "insecureAcceptAnything"}],
               "registry.example.com/team/app:bad": [{"type": "reject"}]
             }}}
            """);

    assertThat(p.scopeFor(ref("registry.example.com/team/app:bad")))
        .isEqualTo("registry.example.com/team/app:bad");
    assertThat(p.evaluate(ref("registry.example.com/team/app:bad")))
        .isInstanceOf(SignaturePolicy.Verdict.Refused.class);
    assertThat(p.evaluate(ref("registry.example.com/team/app:good")))
        .isInstanceOf(SignaturePolicy.Verdict.Accepted.class);
    assertThat(p.scopeFor(ref("registry.example.com/team/other")))
        .isEqualTo("registry.example.com/team");
    assertThat(p.evaluate(ref("registry.example.com/team/other")))
        .isInstanceOf(SignaturePolicy.Verdict.Refused.class);
    assertThat(p.scopeFor(ref("registry.example.com/lib/x"))).isEqualTo("registry.example.com");
    assertThat(p.scopeFor(ref("mirror.example.com:5000/lib/x"))).isEqualTo("*.example.com");
    assertThat(p.scopeFor(ref("quay.io/x/y"))).isEmpty();
    assertThat(p.evaluate(ref("quay.io/x/y"))).isInstanceOf(SignaturePolicy.Verdict.Accepted.class);
  }

  @Test
  void withoutAMatchingScopeTheDefaultApplies() {
    SignaturePolicy p = policy("{\"default\": [{\"type\": \"reject\"}]}");

    assertThat(p.scopeFor(ref("docker.io/library/busybox"))).isNull();
    assertThat(p.evaluate(ref("docker.io/library/busybox")))
        .isEqualTo(
            new SignaturePolicy.Verdict.Refused(
                "the policy's default rejects docker.io/library/busybox:latest"));
  }

  @Test
  void requirementsCaissonCannotCheckRefuseThePull() {
    SignaturePolicy p =
        policy(
            """
            {"default": [{"type": "insecureAcceptAnything"}],
             "transports": {"docker": {
               "a.io": [{"type": "insecureAcceptAnything"},
                        {"type": "signedBy", "keyType": "X509Certificates", "keyPath": "/k.pem"}],
               "b.io": [{"type": "matchesEverything"}]
             }}}
            """);

    assertThat(p.evaluate(ref("a.io/x")))
        .isEqualTo(
            new SignaturePolicy.Verdict.Refused(
                "scope 'a.io' requires signedBy with keyType 'X509Certificates', which Caisson"
                    + " does not verify (a.io/x:latest)"));
    assertThat(p.evaluate(ref("b.io/x")).toString()).contains("'matchesEverything'");
  }

  @Test
  void sigstoreRequirementsAreCheckedOnceTheManifestIsKnown() {
    SignaturePolicy p =
        policy(
            """
            {"default": [{"type": "insecureAcceptAnything"}],
             "transports": {"docker": {
               "a.io": [{"type": "sigstoreSigned", "keyPath": "/k.pub"},
                        {"type": "sigstoreSigned", "keyPaths": ["/k1.pub", "/k2.pub"],
                         "signedIdentity": {"type": "matchRepository"}},
                        {"type": "signedBy", "keyType": "GPGKeys", "keyPaths": ["/a.gpg", "/b.gpg"],
                         "signedIdentity": {"type": "matchExact"}}]
             }}}
            """);

    assertThat(p.evaluate(ref("a.io/x")))
        .isInstanceOfSatisfying(
            SignaturePolicy.Verdict.SignaturesRequired.class,
            v -> {
              assertThat(v.scope()).isEqualTo("scope 'a.io'");
              assertThat(v.sigstore()).hasSize(2);
              assertThat(v.sigstore().get(1).root())
                  .isEqualTo(
                      new SigstoreTrustRoot.PublicKeys(
                          List.of(
                              new PolicyKey(Path.of("/k1.pub"), null),
                              new PolicyKey(Path.of("/k2.pub"), null))));
              assertThat(v.sigstore().get(1).identity())
                  .isEqualTo(new SignedIdentity.MatchRepository());
              assertThat(v.gpg())
                  .containsExactly(
                      new GpgSigned(
                          List.of(
                              new PolicyKey(Path.of("/a.gpg"), null),
                              new PolicyKey(Path.of("/b.gpg"), null)),
                          new SignedIdentity.MatchExact()));
            });
  }

  @Test
  void malformedPoliciesAreRefusedNamingTheProblem() {
    assertThatThrownBy(() -> policy("{"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> policy("{\"transports\": {}}")).hasMessageContaining("no \"default\"");
    assertThatThrownBy(() -> policy("{\"default\": []}")).hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> policy("{\"default\": [{}]}")).hasMessageContaining("no \"type\"");
    assertThatThrownBy(
            () ->
                policy("{\"default\": [{\"type\": \"reject\"}], \"transports\": {\"docker\": []}}"))
        .hasMessageContaining("transports.docker");
    assertThatThrownBy(() -> policy("{\"default\": [{\"type\": \"sigstoreSigned\"}]}"))
        .hasMessageContaining("exactly one of keyPath");
    assertThatThrownBy(
            () -> policy("{\"default\": [{\"type\": \"signedBy\", \"keyPath\": \"/k\"}]}"))
        .hasMessageContaining("signedBy needs a keyType");
    assertThatThrownBy(
            () -> policy("{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\"}]}"))
        .hasMessageContaining("signedBy needs exactly one of keyPath, keyPaths and keyData");
    assertThatThrownBy(
            () ->
                policy(
                    "{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\","
                        + " \"keyPath\": \"relative.gpg\"}]}"))
        .hasMessageContaining("signedBy key paths must be absolute");
    assertThatThrownBy(
            () ->
                policy(
                    """
                    {"default": [{"type": "sigstoreSigned", "keyPath": "/a", "keyData": "eA=="}]}
                    """))
        .hasMessageContaining("it has keyPath, keyData");
    assertThatThrownBy(
            () ->
                policy(
                    """
                    {"default": [{"type": "sigstoreSigned", "keyPath": "/a", "keyPth": "/b"}]}
                    """))
        .hasMessageContaining("no field 'keyPth'");
    assertThatThrownBy(
            () ->
                policy(
                    """
                    {"default": [{"type": "sigstoreSigned", "keyPath": "/a",
                                  "signedIdentity": {"type": "matchSomething"}}]}
                    """))
        .hasMessageContaining("unknown signedIdentity type 'matchSomething'");
  }
}
