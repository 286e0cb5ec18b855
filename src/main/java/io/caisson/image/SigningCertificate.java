package io.caisson.image;

import io.caisson.common.Der;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The certificate a sigstore signature was made with (cosign's {@code
 * dev.sigstore.cosign/certificate} annotation, with its chain in {@code
 * dev.sigstore.cosign/chain}), checked as containers/image checks it: a path from it through
 * intermediates to one of the policy's roots, every certificate on it valid at the given time and,
 * where it limits extended key usage, allowing code signing. Nothing here is trusted before {@link
 * #verify} has passed.
 */
record SigningCertificate(X509Certificate leaf) {
  static final String CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
  static final String CHAIN_ANNOTATION = "dev.sigstore.cosign/chain";

  /** Fulcio's OIDC issuer extension, first as raw bytes and then (v2) as a DER UTF8String. */
  private static final String FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

  private static final String FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
  private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
  private static final String ANY_USAGE = "2.5.29.37.0";
  private static final int SAN_EMAIL = 1;
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  /** The signature's certificate: exactly one in the annotation's PEM. */
  static SigningCertificate parse(String pem) throws SignatureRejected {
    List<X509Certificate> certs;
    try {
      certs =
          PemFiles.certificates(
              pem.getBytes(StandardCharsets.US_ASCII), "a signature's certificate");
    } catch (IOException e) {
      throw new SignatureRejected(e.getMessage());
    }
    if (certs.size() != 1) {
      throw new SignatureRejected(
          "a signature's certificate annotation holds " + certs.size() + " certificates, not one");
    }
    return new SigningCertificate(certs.getFirst());
  }

  /**
   * The intermediates a signature brings along: all of its chain but the last certificate, which is
   * the chain's root and counts only if the policy names it.
   */
  static List<X509Certificate> untrustedIntermediates(String chainPem) throws SignatureRejected {
    if (chainPem == null || chainPem.isEmpty()) {
      return List.of();
    }
    try {
      List<X509Certificate> chain =
          PemFiles.certificates(
              chainPem.getBytes(StandardCharsets.US_ASCII), "a signature's certificate chain");
      return chain.subList(0, chain.size() - 1);
    } catch (IOException e) {
      throw new SignatureRejected(e.getMessage());
    }
  }

  /** The certificate's DER, as a transparency log records it. */
  byte[] encoded() throws SignatureRejected {
    try {
      return leaf.getEncoded();
    } catch (CertificateException e) {
      throw new SignatureRejected("a signature's certificate cannot be encoded: " + e.getMessage());
    }
  }

  /**
   * Passes when a path leads from this certificate through {@code intermediates} to one of {@code
   * roots}, every certificate on it (the root too) valid at {@code at} and allowing code signing.
   */
  void verify(
      Collection<X509Certificate> roots, Collection<X509Certificate> intermediates, Instant at)
      throws SignatureRejected {
    Date when = Date.from(at);
    Set<TrustAnchor> anchors = new HashSet<>();
    roots.forEach(r -> anchors.add(new TrustAnchor(r, null)));
    List<X509Certificate> pool = new ArrayList<>(intermediates);
    pool.add(leaf);
    PKIXCertPathBuilderResult path;
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
      parameters.setRevocationEnabled(false); // containers/image checks no revocation either
      parameters.setDate(when);
      parameters.addCertStore(
          CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool)));
      path = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
    } catch (CertPathBuilderException e) {
      throw new SignatureRejected(
          "a signature's certificate ("
              + leaf.getSubjectX500Principal()
              + ") has no valid path to the policy's CA at "
              + at
              + ": "
              + e.getMessage());
    } catch (InvalidAlgorithmParameterException e) {
      throw new SignatureRejected("the policy's CA certificates cannot be used: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot build PKIX paths", e);
    }
    List<X509Certificate> onPath = new ArrayList<>();
    path.getCertPath().getCertificates().forEach(c -> onPath.add((X509Certificate) c));
    X509Certificate root = path.getTrustAnchor().getTrustedCert();
    try {
      root.checkValidity(when); // a trust anchor's own dates are not checked by PKIX
    } catch (CertificateException e) {
      throw new SignatureRejected(
          "the policy's CA " + root.getSubjectX500Principal() + " was not valid at " + at);
    }
    onPath.add(root);
    for (X509Certificate c : onPath) {
      List<String> usages;
      try {
        usages = c.getExtendedKeyUsage();
      } catch (CertificateParsingException e) {
        throw new SignatureRejected(
            c.getSubjectX500Principal() + " has a malformed extended key usage");
      }
      if (usages != null && !usages.contains(CODE_SIGNING) && !usages.contains(ANY_USAGE)) {
        throw new SignatureRejected(
            "a signature's certificate path has "
                + c.getSubjectX500Principal()
                + ", which does not allow code signing");
      }
    }
  }

  /** The email addresses the certificate names (its rfc822Name alternative names). */
  List<String> emails() throws SignatureRejected {
    return alternativeNames(SAN_EMAIL);
  }

  /**
   * Whether the certificate names {@code host}: an IP address among its IP alternative names, or a
   * DNS name among its DNS ones, case aside, where {@code *} may stand for a whole first label.
   */
  boolean namesHost(String host) throws SignatureRejected {
    String candidate =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress address = ipLiteral(candidate);
    if (address != null) {
      for (String ip : alternativeNames(SAN_IP)) {
        if (address.equals(ipLiteral(ip))) {
          return true;
        }
      }
      return false;
    }
    String wanted = trimDot(candidate.toLowerCase(Locale.ROOT));
    for (String dns : alternativeNames(SAN_DNS)) {
      String name = trimDot(dns.toLowerCase(Locale.ROOT));
      if (name.equals(wanted)) {
        return true;
      }
      if (name.startsWith("*.")) {
        int dot = wanted.indexOf('.');
        if (dot > 0 && wanted.substring(dot).equals(name.substring(1))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The OIDC issuer Fulcio recorded; where both forms of its extension are present they must agree,
   * and a certificate without one is no Fulcio certificate.
   */
  String fulcioIssuer() throws SignatureRejected {
    byte[] v1 = leaf.getExtensionValue(FULCIO_ISSUER_V1);
    byte[] v2 = leaf.getExtensionValue(FULCIO_ISSUER_V2);
    String issuer1 =
        v1 == null ? null : new String(derContent(v1, Der.OCTET_STRING), StandardCharsets.UTF_8);
    String issuer2 =
        v2 == null
            ? null
            : new String(
                derContent(derContent(v2, Der.OCTET_STRING), Der.UTF8_STRING),
                StandardCharsets.UTF_8);
    if (issuer1 != null && issuer2 != null && !issuer1.equals(issuer2)) {
      throw new SignatureRejected(
          "a signature's certificate names two OIDC issuers, '"
              + issuer1
              + "' and '"
              + issuer2
              + "'");
    }
    String issuer = issuer1 != null ? issuer1 : issuer2;
    if (issuer == null) {
      throw new SignatureRejected("a signature's certificate has no Fulcio OIDC issuer extension");
    }
    return issuer;
  }

  private List<String> alternativeNames(int type) throws SignatureRejected {
    Collection<List<?>> names;
    try {
      names = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new SignatureRejected("a signature's certificate has malformed alternative names");
    }
    List<String> out = new ArrayList<>();
    if (names != null) {
      for (List<?> name : names) {
        if (name.get(0) instanceof Integer t && t == type && name.get(1) instanceof String value) {
          out.add(value);
        }
      }
    }
    return out;
  }

  /** The address an IP literal names, or null for anything else (no name is ever resolved). */
  private static InetAddress ipLiteral(String text) {
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String trimDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  /** The content of one DER value of {@code tag} that is all of {@code der}. */
  private static byte[] derContent(byte[] der, int tag) throws SignatureRejected {
    try {
      Der value = Der.parse(der);
      if (value.tag() == tag) {
        return value.content();
      }
    } catch (Der.Malformed e) {
      // Reported below.
    }
    throw new SignatureRejected("a signature's certificate has a malformed OIDC issuer extension");
  }
}
