package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPG signatures as GnuPG and skopeo make them (the fixtures' README says how). */
class GpgSignedTest {
  private static final Digest MANIFEST =
      Digest.parse("sha256:ef3a0b8e1cb2e64f17653d566237f2fc20cf04cece5062b7dd10a78f9def7ee0");
  private static final ImageReference SIGNED_AS =
      ImageReference.parse("registry.example/team/app:v1");

  @TempDir Path tmp;

  private static Path fixture(String name) throws Exception {
    return Path.of(GpgSignedTest.class.getResource("gpg/" + name).toURI());
  }

  private static byte[] signature(String name) throws Exception {
    return Files.readAllBytes(fixture(name));
  }

  private static GpgSigned requirement(String keys, String identity) {
    SignaturePolicy p =
        SignaturePolicy.parse(
            ("{\"default\": [{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\", "
                    + keys
                    + (identity == null ? "" : ", \"signedIdentity\": " + identity)
                    + "}]}")
                .getBytes(StandardCharsets.UTF_8));
    return ((SignaturePolicy.Verdict.SignaturesRequired) p.evaluate(SIGNED_AS)).gpg().getFirst();
  }

  private static GpgSigned keyPath(String keyring) throws Exception {
    return requirement("\"keyPath\": \"" + fixture(keyring) + "\"", null);
  }

  @Test
  void signaturesOfRsaAndEd25519KeysVerifyFromBinaryAndArmoredKeyrings() throws Exception {
    assertThat(keyPath("rsa.gpg").rejection(SIGNED_AS, MANIFEST, List.of(signature("rsa.sig"))))
        .isNull();
    assertThat(
            keyPath("ed25519.asc")
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("ed25519.sig"))))
        .isNull();
    GpgSigned both = keyPath("both.gpg");
    assertThat(both.rejection(SIGNED_AS, MANIFEST, List.of(signature("ed25519.sig")))).isNull();
    // One good signature among others is enough.
    assertThat(
            both.rejection(
                SIGNED_AS, MANIFEST, List.of(signature("stranger.sig"), signature("rsa.sig"))))
        .isNull();
    GpgSigned twoFiles =
        requirement(
            "\"keyPaths\": [\"" + fixture("rsa.gpg") + "\", \"" + fixture("ed25519.asc") + "\"]",
            null);
    assertThat(twoFiles.rejection(SIGNED_AS, MANIFEST, List.of(signature("ed25519.sig")))).isNull();
    String inline =
        java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(fixture("rsa.gpg")));
    assertThat(
            requirement("\"keyData\": \"" + inline + "\"", null)
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("rsa.sig"))))
        .isNull();
  }

  @Test
  void keysOutsideThePolicyExpiredOrRevokedAreRefused() throws Exception {
    assertThat(
            keyPath("both.gpg").rejection(SIGNED_AS, MANIFEST, List.of(signature("stranger.sig"))))
        .contains("which is not among the policy's keys");
    assertThat(keyPath("rsa.gpg").rejection(SIGNED_AS, MANIFEST, List.of(signature("ed25519.sig"))))
        .contains("not among the policy's keys");
    assertThat(
            keyPath("expired.gpg")
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("expired.sig"))))
        .contains("expired");
    assertThat(
            keyPath("revoked.gpg")
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("revoked.sig"))))
        .contains("revoked");
  }

  @Test
  void aSignatureVouchesForItsDigestAndIdentityOnly() throws Exception {
    GpgSigned rsa = keyPath("rsa.gpg");
    List<byte[]> signed = List.of(signature("rsa.sig"));
    Digest other = Digest.parse("sha256:" + "1".repeat(64));
    assertThat(rsa.rejection(SIGNED_AS, other, signed))
        .contains("is for digest " + MANIFEST + ", not " + other);
    ImageReference v2 = ImageReference.parse("registry.example/team/app:v2");
    assertThat(rsa.rejection(v2, MANIFEST, signed))
        .contains("identity 'registry.example/team/app:v1' is not accepted for " + v2);
    assertThat(
            requirement(
                    "\"keyPath\": \"" + fixture("rsa.gpg") + "\"",
                    "{\"type\": \"matchRepository\"}")
                .rejection(v2, MANIFEST, signed))
        .isNull();
  }

  @Test
  void missingTamperedOrUnreadableSignaturesAndKeyringsAreRefused() throws Exception {
    GpgSigned rsa = keyPath("rsa.gpg");
    assertThat(rsa.rejection(SIGNED_AS, MANIFEST, List.of()))
        .isEqualTo("a signature was required, but no signature exists");
    byte[] tampered = signature("rsa.sig");
    tampered[tampered.length - 3] ^= 0x55; // in the RSA signature's value
    assertThat(rsa.rejection(SIGNED_AS, MANIFEST, List.of(tampered)))
        .startsWith("a signature is not accepted:");
    assertThat(
            rsa.rejection(
                SIGNED_AS, MANIFEST, List.of("not a signature".getBytes(StandardCharsets.UTF_8))))
        .startsWith("a signature is not accepted:");
    assertThat(
            rsa.rejection(
                SIGNED_AS, MANIFEST, List.of(signature("rsa.sig"), signature("stranger.sig"))))
        .isNull();
    Path garbage = Files.writeString(tmp.resolve("garbage.gpg"), "not a keyring");
    assertThat(
            requirement("\"keyPath\": \"" + garbage + "\"", null)
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("rsa.sig"))))
        .startsWith("its keyring cannot be read:");
    assertThat(
            requirement("\"keyPath\": \"" + tmp.resolve("absent.gpg") + "\"", null)
                .rejection(SIGNED_AS, MANIFEST, List.of(signature("rsa.sig"))))
        .startsWith("its keyring cannot be read:");
  }

  /**
   * Signatures come from registries and lookasides: mutated ones (seeded, {@code -Dfuzz.seed=N}
   * replays) are accepted or refused with a reason, never an exception out of the check.
   */
  @Test
  void mutatedSignaturesAreRefusedWithAReason() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    java.util.Random random = new java.util.Random(seed);
    GpgSigned rsa = keyPath("rsa.gpg");
    byte[] original = signature("rsa.sig");
    for (int i = 0; i < 300; i++) {
      byte[] mutated = original.clone();
      for (int n = random.nextInt(4) + 1; n > 0; n--) {
        mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
      }
      try {
        rsa.rejection(SIGNED_AS, MANIFEST, List.of(mutated));
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " (seed " + seed + ") threw " + e, e);
      }
    }
  }

  @Test
  void theOpenPgpCodeIsLoadedApartFromTheDaemonsClassPath() {
    ClassLoader loader = OpenPgp.get().getClass().getClassLoader();
    assertThat(loader).isNotSameAs(OpenPgp.class.getClassLoader());
    assertThat(loader.getParent()).isSameAs(OpenPgp.class.getClassLoader());
    assertThat(OpenPgp.get()).isSameAs(OpenPgp.get());
  }

  @Test
  void aGpgPayloadIsNotASigstoreOneNorTheOtherWayRound() throws Exception {
    byte[] content =
        OpenPgp.get()
            .keyrings(List.of(Files.readAllBytes(fixture("rsa.gpg"))), List.of("rsa.gpg"))
            .verifiedContent(signature("rsa.sig"));
    assertThat(SimpleSigningPayload.parse(content, SimpleSigningPayload.GPG))
        .isEqualTo(new SimpleSigningPayload(MANIFEST, "registry.example/team/app:v1"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SimpleSigningPayload.parse(content, SimpleSigningPayload.SIGSTORE))
        .hasMessageContaining("unrecognized signature type 'atomic container signature'");
  }
}
