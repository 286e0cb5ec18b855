package io.caisson.image;

import java.io.IOException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a {@code sigstoreSigned} requirement trusts to say who signed: the policy's own public keys,
 * certificates from a Fulcio CA (with a Rekor log's timestamp for the time they were valid at), or
 * certificates from the operator's own PKI. Each reads its files when a pull needs it, so a rotated
 * key or CA applies to the next pull as an edited policy does.
 */
sealed interface SigstoreTrustRoot {
  /**
   * This root's check of one signature, with its files read now.
   *
   * @param logKeys the Rekor keys whose timestamp a signature must carry; empty for none
   * @param now the time certificates without a log's timestamp must be valid at
   */
  SignerCheck load(List<PublicKey> logKeys, Instant now) throws IOException;

  /** Which keys may have made one signature, or why none may have. */
  interface SignerCheck {
    List<PublicKey> signers(Map<String, String> annotations, byte[] signature, byte[] payload)
        throws SignatureRejected;
  }

  /** Public keys (cosign's key pairs); with Rekor keys, the log must have recorded the signer. */
  record PublicKeys(List<PolicyKey> keys) implements SigstoreTrustRoot {
    @Override
    public SignerCheck load(List<PublicKey> logKeys, Instant now) throws IOException {
      List<PublicKey> publicKeys = new ArrayList<>();
      for (PolicyKey k : keys) {
        publicKeys.add(PemFiles.publicKey(k.read(), k.describe()));
      }
      if (logKeys.isEmpty()) {
        return (annotations, signature, payload) -> publicKeys;
      }
      return (annotations, signature, payload) -> {
        String bundle = required(annotations, RekorEntry.BUNDLE_ANNOTATION);
        SignatureRejected first = null;
        for (PublicKey key : publicKeys) {
          try {
            RekorEntry.verify(logKeys, bundle, key.getEncoded(), signature, payload);
            return List.of(key); // a log entry names one key: no other can match it too
          } catch (SignatureRejected e) {
            first = first == null ? e : first;
          }
        }
        throw first;
      };
    }
  }

  /**
   * Certificates Fulcio issued for an OIDC identity: the certificate must chain to the policy's
   * Fulcio CA at the time Rekor recorded the signature, and name the policy's issuer and email.
   */
  record Fulcio(PolicyKey ca, String oidcIssuer, String subjectEmail) implements SigstoreTrustRoot {
    @Override
    public SignerCheck load(List<PublicKey> logKeys, Instant now) throws IOException {
      List<X509Certificate> roots = PemFiles.certificates(ca.read(), ca.describe());
      return (annotations, signature, payload) -> {
        String bundle = required(annotations, RekorEntry.BUNDLE_ANNOTATION);
        SigningCertificate cert =
            SigningCertificate.parse(
                required(annotations, SigningCertificate.CERTIFICATE_ANNOTATION));
        Instant recorded = RekorEntry.verify(logKeys, bundle, cert.encoded(), signature, payload);
        cert.verify(
            roots,
            SigningCertificate.untrustedIntermediates(
                annotations.get(SigningCertificate.CHAIN_ANNOTATION)),
            recorded);
        String issuer = cert.fulcioIssuer();
        if (!issuer.equals(oidcIssuer)) {
          throw new SignatureRejected(
              "a signature's certificate was issued for OIDC issuer '"
                  + issuer
                  + "', not '"
                  + oidcIssuer
                  + "'");
        }
        requireEmail(cert, subjectEmail);
        return List.of(cert.leaf().getPublicKey());
      };
    }
  }

  /**
   * Certificates of the operator's own CA: the certificate must chain to its roots (through its
   * intermediates or the signature's) now, and name the policy's email and/or host name.
   */
  record Pki(PolicyKey roots, PolicyKey intermediates, String subjectEmail, String subjectHostname)
      implements SigstoreTrustRoot {
    @Override
    public SignerCheck load(List<PublicKey> logKeys, Instant now) throws IOException {
      List<X509Certificate> rootCerts = PemFiles.certificates(roots.read(), roots.describe());
      List<X509Certificate> trustedIntermediates =
          intermediates == null
              ? List.of()
              : PemFiles.certificates(intermediates.read(), intermediates.describe());
      return (annotations, signature, payload) -> {
        SigningCertificate cert =
            SigningCertificate.parse(
                required(annotations, SigningCertificate.CERTIFICATE_ANNOTATION));
        List<X509Certificate> pool = new ArrayList<>(trustedIntermediates);
        pool.addAll(
            SigningCertificate.untrustedIntermediates(
                annotations.get(SigningCertificate.CHAIN_ANNOTATION)));
        cert.verify(rootCerts, pool, now);
        if (subjectEmail != null) {
          requireEmail(cert, subjectEmail);
        }
        if (subjectHostname != null && !cert.namesHost(subjectHostname)) {
          throw new SignatureRejected(
              "a signature's certificate does not name host '" + subjectHostname + "'");
        }
        return List.of(cert.leaf().getPublicKey());
      };
    }
  }

  private static String required(Map<String, String> annotations, String key)
      throws SignatureRejected {
    String value = annotations.get(key);
    if (value == null) {
      throw new SignatureRejected("a signature has no " + key + " annotation");
    }
    return value;
  }

  private static void requireEmail(SigningCertificate cert, String email) throws SignatureRejected {
    List<String> emails = cert.emails();
    if (!emails.contains(email)) {
      throw new SignatureRejected(
          "a signature's certificate does not name email '"
              + email
              + "' (it names "
              + emails
              + ")");
    }
  }
}
