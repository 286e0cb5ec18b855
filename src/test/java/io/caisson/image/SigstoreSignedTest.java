package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigstoreSignedTest {
  private static final Digest MANIFEST = Digest.sha256("manifest".getBytes(StandardCharsets.UTF_8));
  private static final ImageReference PULLED = ImageReference.parse("a.io/team/app:v1");

  @TempDir Path tmp;

  /** The first sigstoreSigned requirement of a policy whose default is one with {@code fields}. */
  static SigstoreSigned requirement(String fields) {
    SignaturePolicy p =
        SignaturePolicy.parse(
            ("{\"default\": [{\"type\": \"sigstoreSigned\", " + fields + "}]}")
                .getBytes(StandardCharsets.UTF_8));
    return ((SignaturePolicy.Verdict.SignaturesRequired) p.evaluate(PULLED)).sigstore().getFirst();
  }

  private static String keyData(SigstoreSigner signer) {
    return "\"keyData\": \""
        + Base64.getEncoder().encodeToString(signer.publicKeyPem().getBytes(StandardCharsets.UTF_8))
        + "\"";
  }

  @Test
  void aSignatureVerifiesWithItsOwnKindOfKeyAndNoOtherKey() throws Exception {
    byte[] payload = SigstoreSigner.payload("a.io/team/app:v1", MANIFEST);
    for (SigstoreSigner signer :
        List.of(SigstoreSigner.ec(), SigstoreSigner.rsa(), SigstoreSigner.ed25519())) {
      SigstoreSigned own = requirement(keyData(signer));
      SigstoreSigned other = requirement(keyData(SigstoreSigner.ec()));

      assertThat(own.rejection(PULLED, MANIFEST, List.of(signer.signature(payload)))).isNull();
      assertThat(other.rejection(PULLED, MANIFEST, List.of(signer.signature(payload))))
          .isEqualTo("a signature does not verify with the policy's key");
    }
  }

  @Test
  void theSignedPayloadMustNameThisManifestAndAnAcceptedName() throws Exception {
    SigstoreSigner signer = SigstoreSigner.ec();
    Path key = Files.writeString(tmp.resolve("k.pub"), signer.publicKeyPem());
    SigstoreSigned byTag = requirement("\"keyPath\": \"" + key + "\"");
    Digest other = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));

    assertThat(
            byTag.rejection(
                PULLED,
                MANIFEST,
                List.of(signer.signature(SigstoreSigner.payload("a.io/team/app:v1", other)))))
        .isEqualTo("a signature is for digest " + other + ", not " + MANIFEST);
    // cosign names the repository alone: the default identity wants the tag that was pulled.
    assertThat(
            byTag.rejection(
                PULLED,
                MANIFEST,
                List.of(signer.signature(SigstoreSigner.payload("a.io/team/app", MANIFEST)))))
        .isEqualTo("a signature for identity 'a.io/team/app' is not accepted for a.io/team/app:v1");
    SigstoreSigned byRepository =
        requirement(
            "\"keyPath\": \"" + key + "\", \"signedIdentity\": {\"type\": \"matchRepository\"}");
    assertThat(
            byRepository.rejection(
                PULLED,
                MANIFEST,
                List.of(signer.signature(SigstoreSigner.payload("a.io/team/app", MANIFEST)))))
        .isNull();

    // One good signature among bad ones is enough; none at all is a refusal.
    var attachment =
        new SigstoreAttachments.Signature("application/vnd.in-toto+json", new byte[0], Map.of());
    assertThat(
            byTag.rejection(
                PULLED,
                MANIFEST,
                List.of(
                    attachment,
                    SigstoreSigner.ec().signature(SigstoreSigner.payload("x", MANIFEST)),
                    signer.signature(SigstoreSigner.payload("a.io/team/app:v1", MANIFEST)))))
        .isNull();
    assertThat(byTag.rejection(PULLED, MANIFEST, List.of(attachment)))
        .isEqualTo("a signature was required, but no signature exists (1 other attachments)");

    // A key that cannot be read refuses, naming it; so does a rotated-in key the signer lacks.
    Files.delete(key);
    assertThat(byTag.rejection(PULLED, MANIFEST, List.of())).contains(key.toString());
    Files.writeString(key, SigstoreSigner.ec().publicKeyPem());
    assertThat(
            byTag.rejection(
                PULLED,
                MANIFEST,
                List.of(signer.signature(SigstoreSigner.payload("a.io/team/app:v1", MANIFEST)))))
        .isEqualTo("a signature does not verify with the policy's key");
  }

  @Test
  void signedIdentitiesMatchAsTheContainerToolsMatchThem() {
    ImageReference byTag = ImageReference.parse("a.io/team/app:v1");
    ImageReference byDigest = ImageReference.parse("a.io/team/app@" + MANIFEST);

    SignedIdentity repoDigestOrExact = new SignedIdentity.MatchRepoDigestOrExact();
    assertThat(repoDigestOrExact.accepts(byTag, "a.io/team/app:v1")).isTrue();
    assertThat(repoDigestOrExact.accepts(byTag, "a.io/team/app:v2")).isFalse();
    assertThat(repoDigestOrExact.accepts(byTag, "a.io/team/app")).isFalse();
    assertThat(repoDigestOrExact.accepts(byDigest, "a.io/team/app:anything")).isTrue();
    assertThat(repoDigestOrExact.accepts(byDigest, "a.io/team/other:v1")).isFalse();

    SignedIdentity exact = new SignedIdentity.MatchExact();
    assertThat(exact.accepts(byTag, "a.io/team/app:v1")).isTrue();
    assertThat(exact.accepts(byDigest, "a.io/team/app:v1")).isFalse();

    SignedIdentity repository = new SignedIdentity.MatchRepository();
    assertThat(repository.accepts(byTag, "a.io/team/app")).isTrue();
    assertThat(repository.accepts(byTag, "a.io/team/app2:v1")).isFalse();
    // Names are compared normalized, as the tools normalize them.
    assertThat(repository.accepts(ImageReference.parse("busybox:1"), "docker.io/library/busybox"))
        .isTrue();
    assertThat(repository.accepts(byTag, "Not A Reference")).isFalse();

    SignedIdentity remap = new SignedIdentity.RemapIdentity("mirror.io:5000/a", "a.io/team");
    assertThat(remap.accepts(ImageReference.parse("mirror.io:5000/a/app:v1"), "a.io/team/app:v1"))
        .isTrue();
    assertThat(remap.accepts(ImageReference.parse("mirror.io:5000/ab/app:v1"), "a.io/team/app:v1"))
        .isFalse();
    assertThat(
            new SignedIdentity.ExactRepository("a.io/signed/app")
                .accepts(byTag, "a.io/signed/app:other"))
        .isTrue();
  }

  @Test
  void signedIdentitiesAreReadFromThePolicy() {
    assertThat(requirement("\"keyPath\": \"/k\"").identity())
        .isEqualTo(new SignedIdentity.MatchRepoDigestOrExact());
    assertThat(
            requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"exactReference\","
                        + " \"dockerReference\": \"busybox:1\"}")
                .identity())
        .isEqualTo(
            new SignedIdentity.ExactReference(ImageReference.parse("docker.io/library/busybox:1")));
    assertThat(
            requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"exactRepository\","
                        + " \"dockerRepository\": \"quay.io/a/b\"}")
                .identity())
        .isEqualTo(new SignedIdentity.ExactRepository("quay.io/a/b"));
    assertThat(
            requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"remapIdentity\","
                        + " \"prefix\": \"mirror.io:5000\", \"signedPrefix\": \"quay.io/a\"}")
                .identity())
        .isEqualTo(new SignedIdentity.RemapIdentity("mirror.io:5000", "quay.io/a"));

    assertThatThrownBy(
            () ->
                requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"exactReference\","
                        + " \"dockerReference\": \"quay.io/a/b\"}"))
        .hasMessageContaining("not a reference with a tag or digest");
    assertThatThrownBy(
            () ->
                requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"matchExact\","
                        + " \"dockerReference\": \"quay.io/a/b:1\"}"))
        .hasMessageContaining("has no field 'dockerReference'");
    assertThatThrownBy(
            () ->
                requirement(
                    "\"keyPath\": \"/k\", \"signedIdentity\": {\"type\": \"remapIdentity\","
                        + " \"prefix\": \"quay.io/a:1\", \"signedPrefix\": \"quay.io/b\"}"))
        .hasMessageContaining("neither a registry nor a full repository name");
    assertThatThrownBy(() -> requirement("\"keyPath\": \"k.pub\""))
        .hasMessageContaining("must be absolute");
    assertThatThrownBy(() -> requirement("\"keyPaths\": []"))
        .hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> requirement("\"keyData\": \"%%%\""))
        .hasMessageContaining("not base64");
  }

  @Test
  void payloadsAreReadStrictly() {
    byte[] good = SigstoreSigner.payload("a.io/team/app:v1", MANIFEST);
    assertThat(SimpleSigningPayload.parse(good, SimpleSigningPayload.SIGSTORE))
        .isEqualTo(new SimpleSigningPayload(MANIFEST, "a.io/team/app:v1"));

    String text = new String(good, StandardCharsets.UTF_8);
    assertThatThrownBy(
            () ->
                SimpleSigningPayload.parse(
                    text.replace("\"type\"", "\"extra\":1,\"type\"")
                        .getBytes(StandardCharsets.UTF_8),
                    SimpleSigningPayload.SIGSTORE))
        .hasMessageContaining("unknown field \"extra\"");
    assertThatThrownBy(
            () ->
                SimpleSigningPayload.parse(
                    text.replace("cosign container image signature", "atomic container signature")
                        .getBytes(StandardCharsets.UTF_8),
                    SimpleSigningPayload.SIGSTORE))
        .hasMessageContaining("unrecognized signature type");
    assertThatThrownBy(
            () ->
                SimpleSigningPayload.parse(
                    text.replace(",\"optional\":null", "").getBytes(StandardCharsets.UTF_8),
                    SimpleSigningPayload.SIGSTORE))
        .hasMessageContaining("no \"optional\"");
    assertThatThrownBy(
            () ->
                SimpleSigningPayload.parse(
                    text.replace("\"type\"", "\"type\":\"x\",\"type\"")
                        .getBytes(StandardCharsets.UTF_8),
                    SimpleSigningPayload.SIGSTORE))
        .hasMessageContaining("not valid JSON");
  }
}
