package io.caisson.image.openpgp;

import io.caisson.image.OpenPgp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPOnePassSignature;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.bc.BcPGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * {@link OpenPgp} with BouncyCastle's lightweight API (no security provider is registered);
 * decryption is {@link SecretKeyring}'s. A signed message is the signed content in a literal data
 * packet between a one-pass signature and its signature, usually compressed. Loaded by {@link
 * io.caisson.common.IsolatedLibrary}, which is why it is public and reached only through the
 * interface.
 */
public final class BouncyCastleOpenPgp implements OpenPgp {
  private static final int MAX_BYTES = OpenPgp.MAX_BYTES;

  @Override
  public SecretKeys secretKeys(byte[] file, String name) {
    return SecretKeyring.read(file, name);
  }

  @Override
  public Keyrings keyrings(List<byte[]> files, List<String> names) {
    List<PGPPublicKeyRingCollection> rings = rings(files, names);
    return message -> verifiedContent(message, rings);
  }

  private static List<PGPPublicKeyRingCollection> rings(List<byte[]> files, List<String> names) {
    List<PGPPublicKeyRingCollection> rings = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(files.get(i)))) {
        BcPGPPublicKeyRingCollection ring = new BcPGPPublicKeyRingCollection(in);
        if (ring.size() == 0) {
          throw new IOException("it holds no public key");
        }
        rings.add(ring);
      } catch (IOException | PGPException | RuntimeException e) {
        throw new IllegalArgumentException(
            names.get(i) + " is not an OpenPGP public keyring: " + e.getMessage());
      }
    }
    return rings;
  }

  private static byte[] verifiedContent(byte[] message, List<PGPPublicKeyRingCollection> rings) {
    if (message.length > MAX_BYTES) {
      throw new IllegalArgumentException("it is larger than " + (MAX_BYTES >> 20) + " MiB");
    }
    try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(message))) {
      BcPGPObjectFactory packets = new BcPGPObjectFactory(in);
      Object next = packets.nextObject();
      if (next instanceof PGPCompressedData compressed) {
        packets = new BcPGPObjectFactory(compressed.getDataStream());
        next = packets.nextObject();
      }
      if (!(next instanceof PGPOnePassSignatureList onePasses) || onePasses.size() != 1) {
        throw new IllegalArgumentException("it is not an OpenPGP message with one signature");
      }
      PGPOnePassSignature onePass = onePasses.get(0);
      PGPPublicKey key = usableKey(rings, onePass.getKeyID());
      if (!(packets.nextObject() instanceof PGPLiteralData literal)) {
        throw new IllegalArgumentException("it holds no signed content");
      }
      onePass.init(new BcPGPContentVerifierBuilderProvider(), key);
      byte[] content;
      try (InputStream data = literal.getInputStream()) {
        content = data.readNBytes(MAX_BYTES + 1);
      }
      if (content.length > MAX_BYTES) {
        throw new IllegalArgumentException(
            "its content is larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      onePass.update(content);
      if (!(packets.nextObject() instanceof PGPSignatureList signatures)
          || signatures.size() != 1) {
        throw new IllegalArgumentException("it has no signature after its content");
      }
      PGPSignature signature = signatures.get(0);
      if (signature.getKeyID() != onePass.getKeyID()) {
        throw new IllegalArgumentException("its signature is by another key than it announces");
      }
      if (signature.getHashAlgorithm() == HashAlgorithmTags.MD5) {
        throw new IllegalArgumentException("it is signed over an MD5 digest");
      }
      if (!onePass.verify(signature)) {
        throw new IllegalArgumentException(
            "its signature does not verify with key " + keyId(onePass.getKeyID()));
      }
      if (packets.nextObject() != null) {
        throw new IllegalArgumentException("it has more after its signature");
      }
      return content;
    } catch (IOException | PGPException e) {
      throw new IllegalArgumentException("it is not a readable OpenPGP message: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      // BouncyCastle's parsers throw unchecked exceptions at some malformed packets.
      throw new IllegalArgumentException("it is not a readable OpenPGP message: " + e);
    }
  }

  private static PGPPublicKey usableKey(List<PGPPublicKeyRingCollection> rings, long keyId)
      throws PGPException {
    for (PGPPublicKeyRingCollection ring : rings) {
      PGPPublicKey key = ring.getPublicKey(keyId);
      if (key == null) {
        continue;
      }
      if (key.hasRevocation()) {
        throw new IllegalArgumentException("it is signed with key " + keyId(keyId) + ", revoked");
      }
      long validSeconds = key.getValidSeconds();
      if (validSeconds > 0
          && key.getCreationTime().toInstant().plusSeconds(validSeconds).isBefore(Instant.now())) {
        throw new IllegalArgumentException("it is signed with key " + keyId(keyId) + ", expired");
      }
      return key;
    }
    throw new IllegalArgumentException(
        "it is signed with key " + keyId(keyId) + ", which is not among the policy's keys");
  }

  private static String keyId(long id) {
    return SecretKeyring.keyId(id);
  }
}
