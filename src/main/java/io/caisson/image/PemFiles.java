package io.caisson.image;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and keys in PEM files, as a registry's TLS directory and a trust policy hold them.
 * Private keys may be PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or SEC1 EC
 * ({@code EC PRIVATE KEY}), what {@code openssl} writes by default; the JDK reads only PKCS#8, so
 * the other two are wrapped in a PKCS#8 envelope first. Encrypted keys are refused: the daemon has
 * no passphrase.
 */
public final class PemFiles {
  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----", Pattern.DOTALL);

  /** rsaEncryption, 1.2.840.113549.1.1.1, as a DER OID. */
  private static final byte[] RSA_OID = {
    0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };

  /** id-ecPublicKey, 1.2.840.10045.2.1, as a DER OID. */
  private static final byte[] EC_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  private static final byte[] DER_NULL = {0x05, 0x00};

  private PemFiles() {}

  /** Every certificate in the file (a CA bundle has many); none is an error. */
  static List<X509Certificate> certificates(Path file) throws IOException {
    return certificates(Files.readAllBytes(file), file.toString());
  }

  /**
   * Every certificate in PEM {@code bytes} (a policy's CA bundle, a signature's chain); none is an
   * error. {@code source} names where they came from in errors.
   */
  static List<X509Certificate> certificates(byte[] pem, String source) throws IOException {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IOException(source + " holds no certificate");
      }
      return out;
    } catch (CertificateException e) {
      throw new IOException(source + " is not a PEM certificate file: " + e.getMessage(), e);
    }
  }

  /**
   * The DER bytes of the one PEM block in {@code pem}, of whatever type; anything but whitespace
   * after it is an error, as is no block. Used to compare a key or certificate with the one a
   * transparency log recorded, where only the encoded object counts.
   */
  static byte[] onlyBlock(byte[] pem, String source) throws IOException {
    String text = new String(pem, StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    if (!m.find()) {
      throw new IOException(source + " is not PEM");
    }
    if (!text.substring(m.end()).isBlank()) {
      throw new IOException(source + " has data after its PEM block");
    }
    try {
      return Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": the PEM block is not valid base64", e);
    }
  }

  /**
   * The private key in the file: its first block that is a key, so a certificate may come before it
   * (a combined PEM file).
   */
  public static PrivateKey privateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    if (text.contains("Proc-Type: 4,ENCRYPTED")) {
      // OpenSSL's traditional encrypted form, its headers inside the block.
      throw new IOException(file + " is encrypted; the daemon needs it unencrypted");
    }
    Matcher m = BLOCK.matcher(text);
    boolean found = false;
    List<String> others = new ArrayList<>();
    while (!found && m.find()) {
      found = m.group(1).endsWith("PRIVATE KEY");
      if (!found) {
        others.add(m.group(1));
      }
    }
    if (!found) {
      throw new IOException(
          file + " holds no PEM private key" + (others.isEmpty() ? "" : " (only " + others + ")"));
    }

    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": the PEM block is not valid base64", e);
    }
    byte[] pkcs8 =
        switch (m.group(1)) {
          case "PRIVATE KEY" -> der;
          case "RSA PRIVATE KEY" -> pkcs8(sequence(RSA_OID, DER_NULL), der);
          case "EC PRIVATE KEY" -> pkcs8(sequence(EC_OID, curveOf(der, file)), der);
          case "ENCRYPTED PRIVATE KEY" ->
              throw new IOException(file + " is encrypted; the daemon needs it unencrypted");
          default ->
              throw new IOException(
                  file + ": a " + m.group(1) + " cannot be read; write the key as PKCS#8");
        };
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // Not this algorithm: try the next.
      }
    }
    throw new IOException(file + " holds a private key of an algorithm this JDK cannot read");
  }

  /**
   * The public key of a PEM {@code PUBLIC KEY} block (SubjectPublicKeyInfo: EC, RSA or Ed25519, as
   * {@code cosign generate-key-pair} and {@code openssl pkey -pubout} write them); {@code source}
   * names the file or policy field in errors.
   */
  static PublicKey publicKey(byte[] pem, String source) throws IOException {
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException(source + " holds no PEM public key");
    }
    if (!m.group(1).equals("PUBLIC KEY")) {
      throw new IOException(source + " holds a " + m.group(1) + ", not a PUBLIC KEY");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": the PEM block is not valid base64", e);
    }
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Not this algorithm: try the next.
      }
    }
    throw new IOException(source + " holds a public key that is not EC, RSA or Ed25519");
  }

  /** PrivateKeyInfo: version 0, the algorithm, the key in an octet string. */
  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return sequence(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key));
  }

  /**
   * The named curve of a SEC1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, [0]
   * parameters, [1] publicKey }. Without [0] the curve is unknown.
   */
  private static byte[] curveOf(byte[] sec1, Path file) throws IOException {
    try {
      int at = contentStart(sec1, 0);
      at = next(sec1, at); // version
      at = next(sec1, at); // privateKey
      if ((sec1[at] & 0xff) == 0xa0) {
        int oid = contentStart(sec1, at);
        return Arrays.copyOfRange(sec1, oid, next(sec1, oid));
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      // Falls through to the error below.
    }
    throw new IOException(file + ": the EC key names no curve; write it as PKCS#8");
  }

  /** Where the content of the TLV at {@code at} starts. */
  private static int contentStart(byte[] der, int at) {
    int lengthByte = der[at + 1] & 0xff;
    return at + 2 + (lengthByte < 0x80 ? 0 : lengthByte & 0x7f);
  }

  /** Where the TLV after the one at {@code at} starts. */
  private static int next(byte[] der, int at) {
    int lengthByte = der[at + 1] & 0xff;
    int length = lengthByte;
    if (lengthByte >= 0x80) {
      length = 0;
      for (int i = 0; i < (lengthByte & 0x7f); i++) {
        length = (length << 8) | (der[at + 2 + i] & 0xff);
      }
    }
    return contentStart(der, at) + length;
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    return tlv(0x30, content.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
