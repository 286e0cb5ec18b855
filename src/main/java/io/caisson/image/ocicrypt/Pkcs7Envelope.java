package io.caisson.image.ocicrypt;

import io.caisson.common.Der;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A PKCS#7 (CMS) EnvelopedData, as ocicrypt's pkcs7 scheme wraps a layer's key for X.509
 * recipients: the content key encrypted for each recipient with RSA (PKCS#1 v1.5), the content with
 * AES (GCM, as ocicrypt writes it, or CBC). The library ocicrypt uses writes the GCM parameters
 * with the primitive bit set and the content inside a constructed {@code [0]}; both are read as
 * they come. Each of the node's RSA keys is tried on each recipient: the content's authentication
 * tells a wrong key (certificates are not needed to find the right one).
 */
final class Pkcs7Envelope {
  private static final String ENVELOPED_DATA = "1.2.840.113549.1.7.3";
  private static final String RSA = "1.2.840.113549.1.1.1";

  /** Content encryption OIDs: AES key length, and whether GCM (else CBC). */
  private record ContentCipher(int keyBytes, boolean gcm) {}

  private static final Map<String, ContentCipher> CIPHERS =
      Map.of(
          "2.16.840.1.101.3.4.1.6", new ContentCipher(16, true),
          "2.16.840.1.101.3.4.1.26", new ContentCipher(24, true),
          "2.16.840.1.101.3.4.1.46", new ContentCipher(32, true),
          "2.16.840.1.101.3.4.1.2", new ContentCipher(16, false),
          "2.16.840.1.101.3.4.1.22", new ContentCipher(24, false),
          "2.16.840.1.101.3.4.1.42", new ContentCipher(32, false));

  private Pkcs7Envelope() {}

  /** The enveloped content, opened with one of {@code keys}. */
  static byte[] open(byte[] der, List<PrivateKey> keys) throws UnwrapException {
    try {
      return open(Der.parse(der), keys);
    } catch (Der.Malformed e) {
      throw new UnwrapException("it is not a readable PKCS#7 envelope: " + e.getMessage());
    }
  }

  private static byte[] open(Der contentInfo, List<PrivateKey> keys)
      throws UnwrapException, Der.Malformed {
    if (!ENVELOPED_DATA.equals(contentInfo.child(0, "content type").oid())) {
      throw new UnwrapException("it is not a PKCS#7 EnvelopedData");
    }
    Der enveloped = contentInfo.child(1, "enveloped data").child(0, "enveloped data");
    List<Der> parts = enveloped.children();
    int at = 1; // after the version
    if (at < parts.size() && parts.get(at).isContext(0)) {
      at++; // originator info
    }
    if (at + 1 >= parts.size() || parts.get(at).tag() != Der.SET) {
      throw new UnwrapException("its recipient infos are missing");
    }
    List<Der> recipients = parts.get(at).children();
    Der encryptedContentInfo = parts.get(at + 1);
    List<String> misses = new ArrayList<>();
    for (Der recipient : recipients) {
      List<Der> fields = recipient.children();
      if (recipient.tag() != Der.SEQUENCE || fields.size() != 4) {
        misses.add("a recipient that is not an RSA key transport");
        continue;
      }
      String algorithm = fields.get(2).child(0, "key encryption algorithm").oid();
      if (!RSA.equals(algorithm)) {
        misses.add("key encryption " + algorithm + " is not supported");
        continue;
      }
      byte[] encryptedKey = fields.get(3).content();
      for (PrivateKey key : keys) {
        if (!(key instanceof RSAPrivateKey)) {
          continue;
        }
        try {
          Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
          rsa.init(Cipher.DECRYPT_MODE, key);
          return decryptContent(encryptedContentInfo, rsa.doFinal(encryptedKey));
        } catch (GeneralSecurityException | UnwrapException | Der.Malformed e) {
          misses.add("RSA key: " + e.getMessage());
        }
      }
    }
    throw new UnwrapException(
        misses.isEmpty()
            ? "no RSA key to try on its " + recipients.size() + " recipients"
            : String.join("; ", misses));
  }

  private static byte[] decryptContent(Der info, byte[] contentKey)
      throws GeneralSecurityException, UnwrapException, Der.Malformed {
    Der algorithm = info.child(1, "content encryption algorithm");
    String oid = algorithm.child(0, "content encryption algorithm").oid();
    ContentCipher cipher = CIPHERS.get(oid);
    if (cipher == null) {
      throw new UnwrapException("content encryption " + oid + " is not supported");
    }
    if (contentKey.length != cipher.keyBytes()) {
      throw new UnwrapException("the content key has the wrong length");
    }
    Der params = algorithm.child(1, "content encryption parameters");
    byte[] ciphertext = encryptedContent(info.child(2, "encrypted content"));
    SecretKeySpec key = new SecretKeySpec(contentKey, "AES");
    if (cipher.gcm()) {
      // GCMParameters: SEQUENCE { nonce OCTET STRING, icvLen INTEGER DEFAULT 12 }; ocicrypt's
      // library wraps that whole SEQUENCE once more, in a primitive one.
      List<Der> gcm = (params.constructed() ? params : Der.parse(params.content())).children();
      int tagBytes = gcm.size() > 1 ? new BigInteger(gcm.get(1).content()).intValueExact() : 12;
      Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
      aes.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(tagBytes * 8, gcm.get(0).content()));
      return aes.doFinal(ciphertext);
    }
    Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
    aes.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(params.content()));
    return aes.doFinal(ciphertext);
  }

  /** {@code [0]} with the bytes, or constructed with octet strings that hold them in turn. */
  private static byte[] encryptedContent(Der content) throws UnwrapException, Der.Malformed {
    if (!content.isContext(0)) {
      throw new UnwrapException("its encrypted content is missing");
    }
    if (!content.constructed()) {
      return content.content();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Der piece : content.children()) {
      out.writeBytes(piece.content());
    }
    return out.toByteArray();
  }
}
