package io.caisson.image.openpgp;

import io.caisson.image.OpenPgp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.Iterator;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.bc.BcPGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/**
 * The secret keys of one keyring file, opening messages encrypted to them: a public-key encrypted
 * session key for one of the keys, then integrity-protected data (a modification detection code, or
 * AEAD) holding the content, maybe compressed. Data without integrity protection is refused, as it
 * is by the OpenPGP library ocicrypt uses.
 */
final class SecretKeyring implements OpenPgp.SecretKeys {
  private static final int MAX_BYTES = OpenPgp.MAX_BYTES;

  private final PGPSecretKeyRingCollection rings;

  private SecretKeyring(PGPSecretKeyRingCollection rings) {
    this.rings = rings;
  }

  static SecretKeyring read(byte[] file, String name) {
    PGPSecretKeyRingCollection rings;
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(file))) {
      rings = new BcPGPSecretKeyRingCollection(in);
    } catch (IOException | PGPException | RuntimeException e) {
      throw new IllegalArgumentException(
          name + " is not an OpenPGP secret keyring: " + e.getMessage());
    }
    if (rings.size() == 0) {
      throw new IllegalArgumentException(name + " holds no OpenPGP secret key");
    }
    for (PGPSecretKeyRing ring : rings) {
      for (PGPSecretKey key : ring) {
        if (key.getS2KUsage() != 0 && !key.isPrivateKeyEmpty()) {
          throw new IllegalArgumentException(
              name
                  + ": key "
                  + keyId(key.getKeyID())
                  + " is protected by a passphrase; the"
                  + " daemon needs it unprotected");
        }
      }
    }
    return new SecretKeyring(rings);
  }

  @Override
  public byte[] decrypt(byte[] message) {
    if (message.length > MAX_BYTES) {
      throw new IllegalArgumentException("it is larger than " + (MAX_BYTES >> 20) + " MiB");
    }
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(message))) {
      BcPGPObjectFactory packets = new BcPGPObjectFactory(in);
      Object next = packets.nextObject();
      if (!(next instanceof PGPEncryptedDataList)) {
        next = packets.nextObject(); // a marker packet may come first
      }
      if (!(next instanceof PGPEncryptedDataList list)) {
        throw new IllegalArgumentException("it is not an OpenPGP encrypted message");
      }
      StringBuilder recipients = new StringBuilder();
      for (Iterator<PGPEncryptedData> it = list.getEncryptedDataObjects(); it.hasNext(); ) {
        if (!(it.next() instanceof PGPPublicKeyEncryptedData encrypted)) {
          continue;
        }
        PGPSecretKey secret = rings.getSecretKey(encrypted.getKeyID());
        if (secret == null || secret.isPrivateKeyEmpty()) {
          recipients.append(recipients.isEmpty() ? "" : ", ").append(keyId(encrypted.getKeyID()));
          continue;
        }
        return content(encrypted, secret.extractPrivateKey(null));
      }
      throw new IllegalArgumentException(
          "it is encrypted to keys " + recipients + ", none of them in this keyring");
    } catch (IOException | PGPException e) {
      throw new IllegalArgumentException("it cannot be decrypted: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      // BouncyCastle's parsers throw unchecked exceptions at some malformed packets.
      throw new IllegalArgumentException("it is not a readable OpenPGP message: " + e);
    }
  }

  private static byte[] content(PGPPublicKeyEncryptedData encrypted, PGPPrivateKey key)
      throws IOException, PGPException {
    if (!encrypted.isIntegrityProtected() && !encrypted.isAEAD()) {
      throw new IllegalArgumentException("its data is not integrity protected");
    }
    byte[] content;
    try (InputStream clear = encrypted.getDataStream(new BcPublicKeyDataDecryptorFactory(key))) {
      BcPGPObjectFactory packets = new BcPGPObjectFactory(clear);
      Object next = packets.nextObject();
      if (next instanceof PGPCompressedData compressed) {
        packets = new BcPGPObjectFactory(compressed.getDataStream());
        next = packets.nextObject();
      }
      if (!(next instanceof PGPLiteralData literal)) {
        throw new IllegalArgumentException("it holds no literal data");
      }
      try (InputStream data = literal.getInputStream()) {
        content = data.readNBytes(MAX_BYTES + 1);
      }
      if (content.length > MAX_BYTES) {
        throw new IllegalArgumentException(
            "its content is larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      clear.transferTo(java.io.OutputStream.nullOutputStream());
    }
    if (encrypted.isIntegrityProtected() && !encrypted.verify()) {
      throw new IllegalArgumentException("its modification detection code does not match");
    }
    return content;
  }

  /** A key id as gpg prints it. */
  static String keyId(long id) {
    return HexFormat.of().withUpperCase().toHexDigits(id);
  }
}
