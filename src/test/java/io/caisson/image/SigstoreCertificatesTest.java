package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sigstoreSigned requirements that trust certificates (Fulcio's with a Rekor timestamp, an
 * operator's own PKI) or ask a Rekor timestamp of a key's signature. The CAs are made with openssl;
 * the log is a key of the test's own.
 */
class SigstoreCertificatesTest {
  private static final Digest MANIFEST = Digest.sha256("manifest".getBytes(StandardCharsets.UTF_8));
  private static final ImageReference PULLED = ImageReference.parse("a.io/team/app:v1");
  private static final byte[] PAYLOAD = SigstoreSigner.payload("a.io/team/app:v1", MANIFEST);
  private static final String ISSUER = "https://issuer.example";
  private static final String EMAIL = "release@example.com";

  @TempDir static Path tmp;
  private static TestPki pki;
  private static TestRekor rekor;
  private static TestPki.Issued fulcioV2;
  private static TestPki.Issued fulcioV1;

  @BeforeAll
  static void makeCas() throws Exception {
    pki = TestPki.create(tmp.resolve("pki"));
    rekor = TestRekor.create();
    fulcioV2 =
        pki.issue(
            "fulcio-v2",
            1,
            "subjectAltName=critical,email:" + EMAIL,
            "keyUsage=critical,digitalSignature",
            "extendedKeyUsage=codeSigning",
            "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:" + ISSUER);
    fulcioV1 =
        pki.issue(
            "fulcio-v1",
            1,
            "subjectAltName=email:" + EMAIL,
            "extendedKeyUsage=codeSigning",
            "1.3.6.1.4.1.57264.1.1=DER:" + hexColons(ISSUER));
  }

  private static String hexColons(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.US_ASCII)) {
      out.append(out.isEmpty() ? "" : ":").append("%02x".formatted(b));
    }
    return out.toString();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static SigstoreSigned requirement(String fields) {
    return SigstoreSignedTest.requirement(fields);
  }

  private static SigstoreSigned fulcio(String email, String issuer) throws Exception {
    return requirement(
        "\"fulcio\": {\"caPath\": \"%s\", \"oidcIssuer\": \"%s\", \"subjectEmail\": \"%s\"},"
                .formatted(pki.root(), issuer, email)
            + " \"rekorPublicKeyData\": \""
            + b64(rekor.publicKeyPem())
            + "\"");
  }

  /** A cosign keyless signature: signature, certificate, chain and the log's bundle. */
  private static SigstoreAttachments.Signature keyless(
      TestPki.Issued cert, TestRekor log, Instant recorded, boolean withChain) throws Exception {
    return log.keyless(cert, withChain ? pki.chainPem() : null, PAYLOAD, recorded);
  }

  /** A signature of the payload with these annotations (name, value, ...) besides its own. */
  private static SigstoreAttachments.Signature attached(String signature, String... annotations) {
    Map<String, String> all = new HashMap<>();
    all.put(SigstoreAttachments.SIGNATURE_ANNOTATION, signature);
    for (int i = 0; i < annotations.length; i += 2) {
      all.put(annotations[i], annotations[i + 1]);
    }
    return new SigstoreAttachments.Signature(
        SigstoreAttachments.SIGNATURE_MEDIA_TYPE, PAYLOAD, Map.copyOf(all));
  }

  private static String rejection(SigstoreSigned r, SigstoreAttachments.Signature s) {
    return r.rejection(PULLED, MANIFEST, List.of(s));
  }

  @Test
  void aFulcioCertificateCountsWithTheLogsTimestampItsIssuerAndItsEmail() throws Exception {
    Instant now = Instant.now();
    SigstoreSigned policy = fulcio(EMAIL, ISSUER);

    assertThat(rejection(policy, keyless(fulcioV2, rekor, now, true))).isNull();
    // The older form of the issuer extension (raw bytes) counts the same.
    assertThat(rejection(policy, keyless(fulcioV1, rekor, now, true))).isNull();

    assertThat(rejection(fulcio("other@example.com", ISSUER), keyless(fulcioV2, rekor, now, true)))
        .contains("does not name email 'other@example.com'")
        .contains(EMAIL);
    assertThat(
            rejection(fulcio(EMAIL, "https://other.example"), keyless(fulcioV2, rekor, now, true)))
        .contains("issued for OIDC issuer '" + ISSUER + "', not 'https://other.example'");
    // The certificate is checked at the time the log recorded the signature: a year before it was
    // issued, it was not valid.
    assertThat(rejection(policy, keyless(fulcioV2, rekor, now.minus(Duration.ofDays(365)), true)))
        .contains("has no valid path to the policy's CA");
    // Without its chain the certificate has no path to the root.
    assertThat(rejection(policy, keyless(fulcioV2, rekor, now, false)))
        .contains("has no valid path to the policy's CA");
    // Another log's timestamp does not count.
    assertThat(rejection(policy, keyless(fulcioV2, TestRekor.create(), now, true)))
        .contains("does not verify with the policy's Rekor key");
  }

  /**
   * A keyless signature's certificate, chain and bundle come from the registry: mutated ones
   * (seeded, {@code -Dfuzz.seed=N} replays) are refused with a reason, never an exception.
   */
  @Test
  void mutatedCertificatesChainsAndBundlesAreRefusedWithAReason() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    java.util.Random random = new java.util.Random(seed);
    SigstoreSigned policy = fulcio(EMAIL, ISSUER);
    SigstoreAttachments.Signature good = keyless(fulcioV2, rekor, Instant.now(), true);
    for (String annotation :
        List.of(
            SigningCertificate.CERTIFICATE_ANNOTATION,
            SigningCertificate.CHAIN_ANNOTATION,
            RekorEntry.BUNDLE_ANNOTATION)) {
      String value = good.annotations().get(annotation);
      boolean pem = value.startsWith("-----BEGIN");
      // A chain's first certificate is the one mutated; the rest stays as it was.
      String end = "-----END CERTIFICATE-----";
      String rest = pem ? value.substring(value.indexOf(end) + end.length()) : "";
      byte[] bytes =
          pem
              ? Base64.getMimeDecoder()
                  .decode(
                      value.substring(0, value.indexOf(end)).replaceAll("-----[A-Z ]+-----", ""))
              : value.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 200; i++) {
        byte[] mutated = bytes.clone();
        for (int n = random.nextInt(4) + 1; n > 0; n--) {
          mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
        }
        String text =
            pem
                ? "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder().encodeToString(mutated)
                    + "\n"
                    + end
                    + rest
                : new String(mutated, StandardCharsets.ISO_8859_1);
        Map<String, String> annotations = new HashMap<>(good.annotations());
        annotations.put(annotation, text);
        var signature =
            new SigstoreAttachments.Signature(good.mediaType(), good.payload(), annotations);
        try {
          rejection(policy, signature);
        } catch (RuntimeException e) {
          throw new AssertionError(
              annotation + " mutation " + i + " (seed " + seed + ") threw " + e, e);
        }
      }
    }
  }

  @Test
  void theLogsEntryMustNameThisSignatureItsSignerAndItsPayload() throws Exception {
    SigstoreSigned policy = fulcio(EMAIL, ISSUER);
    long now = Instant.now().getEpochSecond();
    String signature = fulcioV2.signer().sign(PAYLOAD);
    String cert = fulcioV2.certificatePem();
    String chain = pki.chainPem();
    var none =
        attached(
            signature,
            SigningCertificate.CERTIFICATE_ANNOTATION,
            cert,
            SigningCertificate.CHAIN_ANNOTATION,
            chain);
    assertThat(rejection(policy, none)).contains("no dev.sigstore.cosign/bundle annotation");

    // A bundle of another certificate, another signature or another payload, each validly signed
    // by the log, does not vouch for this signature; nor does one that is not the log's JSON, or
    // that has a field the log's does not, or a number it does not write, or a changed time.
    String valid = rekor.bundle(cert, signature, PAYLOAD, now);
    Map<String, String> refusals =
        Map.of(
            rekor.bundle(fulcioV1.certificatePem(), signature, PAYLOAD, now),
            "another key or certificate",
            rekor.bundle(cert, b64("x"), PAYLOAD, now),
            "another signature",
            rekor.bundle(cert, signature, "other".getBytes(), now),
            "another payload",
            "{",
            "not valid JSON",
            valid.replace("\"Payload\"", "\"Extra\":1,\"Payload\""),
            "unknown field \"Extra\"",
            valid.replace("\"logIndex\": 7", "\"logIndex\": 7.5"),
            "not an integer",
            valid.replace("\"integratedTime\": ", "\"integratedTime\": 1"),
            "does not verify");
    refusals.forEach(
        (bundle, reason) ->
            assertThat(
                    rejection(
                        policy,
                        attached(
                            signature,
                            SigningCertificate.CERTIFICATE_ANNOTATION,
                            cert,
                            SigningCertificate.CHAIN_ANNOTATION,
                            chain,
                            RekorEntry.BUNDLE_ANNOTATION,
                            bundle)))
                .as(bundle)
                .contains(reason));
  }

  @Test
  void aKeysSignatureWithRekorKeysNeedsTheLogsEntryForThatKey() throws Exception {
    SigstoreSigner signer = SigstoreSigner.ec();
    SigstoreSigned policy =
        requirement(
            "\"keyData\": \"%s\", \"rekorPublicKeyPaths\": [\"%s\"]"
                .formatted(
                    b64(signer.publicKeyPem()),
                    Files.writeString(tmp.resolve("rekor.pub"), rekor.publicKeyPem())));
    String signature = signer.sign(PAYLOAD);
    long now = Instant.now().getEpochSecond();

    var logged =
        attached(
            signature,
            RekorEntry.BUNDLE_ANNOTATION,
            rekor.bundle(signer.publicKeyPem(), signature, PAYLOAD, now));
    assertThat(rejection(policy, logged)).isNull();

    var unlogged = signer.signature(PAYLOAD);
    assertThat(rejection(policy, unlogged)).contains("no dev.sigstore.cosign/bundle annotation");
    var otherKeyLogged =
        attached(
            signature,
            RekorEntry.BUNDLE_ANNOTATION,
            rekor.bundle(SigstoreSigner.ec().publicKeyPem(), signature, PAYLOAD, now));
    assertThat(rejection(policy, otherKeyLogged)).contains("another key or certificate");
  }

  @Test
  void anOperatorsPkiChecksTheChainNowAndTheSubject() throws Exception {
    TestPki.Issued build =
        pki.issue(
            "build",
            1,
            "subjectAltName=email:build@example.com,DNS:build.example.com",
            "extendedKeyUsage=codeSigning");
    String signature = build.signer().sign(PAYLOAD);
    // The intermediate comes from the policy here, so the signature needs no chain of its own.
    var signed =
        attached(signature, SigningCertificate.CERTIFICATE_ANNOTATION, build.certificatePem());
    String roots =
        "\"caRootsPath\": \"%s\", \"caIntermediatesPath\": \"%s\""
            .formatted(pki.root(), pki.intermediate());

    assertThat(
            rejection(
                requirement(
                    "\"pki\": {%s, \"subjectEmail\": \"build@example.com\"}".formatted(roots)),
                signed))
        .isNull();
    assertThat(
            rejection(
                requirement(
                    "\"pki\": {%s, \"subjectHostname\": \"BUILD.example.com\"}".formatted(roots)),
                signed))
        .isNull();
    assertThat(
            rejection(
                requirement(
                    "\"pki\": {%s, \"subjectHostname\": \"ci.example.com\"}".formatted(roots)),
                signed))
        .contains("does not name host 'ci.example.com'");
    SigstoreSigned byEmail =
        requirement("\"pki\": {%s, \"subjectEmail\": \"build@example.com\"}".formatted(roots));
    // Checked now: two days on, the one-day certificate has expired.
    assertThat(
            byEmail.rejection(
                PULLED, MANIFEST, List.of(signed), Instant.now().plus(Duration.ofDays(2))))
        .contains("has no valid path to the policy's CA");

    // A certificate for another use than code signing does not sign images.
    TestPki.Issued server =
        pki.issue(
            "server", 1, "subjectAltName=email:build@example.com", "extendedKeyUsage=serverAuth");
    var byServer =
        attached(
            server.signer().sign(PAYLOAD),
            SigningCertificate.CERTIFICATE_ANNOTATION,
            server.certificatePem());
    assertThat(rejection(byEmail, byServer)).contains("does not allow code signing");
    // The certificate's key must be the one that signed.
    var forged =
        attached(
            SigstoreSigner.ec().sign(PAYLOAD),
            SigningCertificate.CERTIFICATE_ANNOTATION,
            build.certificatePem());
    assertThat(rejection(byEmail, forged)).contains("does not verify with its certificate's key");
  }

  @Test
  void certificateRequirementsAreReadAsTheContainerToolsReadThem() {
    String rekorKey = "\"rekorPublicKeyPath\": \"/rekor.pub\"";
    String fulcio =
        "\"fulcio\": {\"caPath\": \"/ca.pem\", \"oidcIssuer\": \"%s\", \"subjectEmail\": \"%s\"}"
            .formatted(ISSUER, EMAIL);
    assertThat(requirement(fulcio + ", " + rekorKey).root())
        .isEqualTo(
            new SigstoreTrustRoot.Fulcio(new PolicyKey(Path.of("/ca.pem"), null), ISSUER, EMAIL));

    assertThatThrownBy(() -> requirement(fulcio))
        .hasMessageContaining("fulcio needs a Rekor public key");
    assertThatThrownBy(
            () ->
                requirement(
                    "\"fulcio\": {\"caPath\": \"/ca.pem\", \"subjectEmail\": \"a@b\"}, "
                        + rekorKey))
        .hasMessageContaining("needs a non-empty oidcIssuer");
    assertThatThrownBy(
            () ->
                requirement(
                    "\"fulcio\": {\"caPath\": \"/ca.pem\", \"caData\": \"eA==\", \"oidcIssuer\":"
                        + " \"i\", \"subjectEmail\": \"a@b\"}, "
                        + rekorKey))
        .hasMessageContaining("both caPath and caData");
    assertThatThrownBy(
            () -> requirement(fulcio.replace("\"caPath\"", "\"caFile\"") + ", " + rekorKey))
        .hasMessageContaining("has no field 'caFile'");
    assertThatThrownBy(
            () -> requirement(fulcio + ", " + rekorKey + ", \"rekorPublicKeyData\": \"eA==\""))
        .hasMessageContaining("more than one of");
    assertThatThrownBy(
            () ->
                requirement(
                    "\"pki\": {\"caRootsPath\": \"/r.pem\", \"subjectEmail\": \"a@b\"}, "
                        + rekorKey))
        .hasMessageContaining("pki takes no Rekor public key");
    assertThatThrownBy(() -> requirement("\"pki\": {\"caRootsPath\": \"/r.pem\"}"))
        .hasMessageContaining("needs subjectEmail, subjectHostname or both");
    assertThatThrownBy(() -> requirement("\"pki\": {\"subjectEmail\": \"a@b\"}"))
        .hasMessageContaining("needs caRootsPath or caRootsData");
  }

  @Test
  void aRekorKeyThatIsNotEcdsaOrACaThatCannotBeReadRefusesThePull() throws Exception {
    SigstoreSigned rsaLog =
        requirement(
            "\"keyData\": \"%s\", \"rekorPublicKeyData\": \"%s\""
                .formatted(
                    b64(SigstoreSigner.ec().publicKeyPem()),
                    b64(SigstoreSigner.rsa().publicKeyPem())));
    assertThat(rsaLog.rejection(PULLED, MANIFEST, List.of()))
        .contains("is a Rekor key that is not ECDSA");
    SigstoreSigned missingCa =
        requirement(
            ("\"fulcio\": {\"caPath\": \"%s\", \"oidcIssuer\": \"i\", \"subjectEmail\": \"a@b\"},"
                    + " \"rekorPublicKeyData\": \"%s\"")
                .formatted(tmp.resolve("absent.pem"), b64(rekor.publicKeyPem())));
    assertThat(missingCa.rejection(PULLED, MANIFEST, List.of()))
        .startsWith("its trust root cannot be read")
        .contains("absent.pem does not exist");
  }
}
