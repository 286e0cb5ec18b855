package io.caisson.image.ocicrypt;

import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a JWE recipient's content key is unwrapped, for the key algorithms ocicrypt accepts: RSA-OAEP
 * (SHA-1 and SHA-256) and ECDH-ES with AES key wrap (RFC 7518 sections 4.3 and 4.6).
 */
final class JweKeyUnwrap {
  private static final Set<String> ALGORITHMS =
      Set.of("RSA-OAEP", "RSA-OAEP-256", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW");

  private JweKeyUnwrap() {}

  static boolean supported(String alg) {
    return ALGORITHMS.contains(alg);
  }

  /** Whether {@code key} is of the kind {@code alg} unwraps with. */
  static boolean fits(String alg, PrivateKey key) {
    return switch (alg) {
      case "RSA-OAEP", "RSA-OAEP-256" -> key instanceof RSAPrivateKey;
      case "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW" -> key instanceof ECPrivateKey;
      default -> false;
    };
  }

  static byte[] unwrap(String alg, JsonObject header, byte[] encryptedKey, PrivateKey key)
      throws GeneralSecurityException, UnwrapException {
    return switch (alg) {
      case "RSA-OAEP" -> rsaOaep(key, encryptedKey, "SHA-1", MGF1ParameterSpec.SHA1);
      case "RSA-OAEP-256" -> rsaOaep(key, encryptedKey, "SHA-256", MGF1ParameterSpec.SHA256);
      case "ECDH-ES+A128KW" -> ecdhKeyWrap(alg, 128, header, encryptedKey, (ECPrivateKey) key);
      case "ECDH-ES+A192KW" -> ecdhKeyWrap(alg, 192, header, encryptedKey, (ECPrivateKey) key);
      case "ECDH-ES+A256KW" -> ecdhKeyWrap(alg, 256, header, encryptedKey, (ECPrivateKey) key);
      default -> throw new UnwrapException("key algorithm \"" + alg + "\" is not supported");
    };
  }

  private static byte[] rsaOaep(Key key, byte[] wrapped, String hash, MGF1ParameterSpec mgf)
      throws GeneralSecurityException {
    Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
    oaep.init(
        Cipher.DECRYPT_MODE,
        key,
        new OAEPParameterSpec(hash, "MGF1", mgf, PSource.PSpecified.DEFAULT));
    return oaep.doFinal(wrapped);
  }

  private static byte[] ecdhKeyWrap(
      String alg, int bits, JsonObject header, byte[] wrapped, ECPrivateKey key)
      throws GeneralSecurityException, UnwrapException {
    JsonValue epk = header.get("epk");
    if (epk == null) {
      throw new UnwrapException(alg + " without an ephemeral key (\"epk\")");
    }
    ECPublicKey ephemeral = JsonWebKeys.ecPublicKey(epk);
    if (ephemeral.getParams().getCurve().getField().getFieldSize()
            != key.getParams().getCurve().getField().getFieldSize()
        || !ephemeral.getParams().getOrder().equals(key.getParams().getOrder())) {
      throw new UnwrapException("the ephemeral key is on another curve than this key");
    }
    // The JDK's ECDH checks that the ephemeral point is on the curve.
    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
    ecdh.init(key);
    ecdh.doPhase(ephemeral, true);
    byte[] shared = ecdh.generateSecret();
    byte[] kek =
        concatKdf(
            shared,
            alg.getBytes(StandardCharsets.US_ASCII),
            optional(header, "apu"),
            optional(header, "apv"),
            bits);
    Cipher unwrap = Cipher.getInstance("AESWrap");
    unwrap.init(Cipher.UNWRAP_MODE, new SecretKeySpec(kek, "AES"));
    return unwrap.unwrap(wrapped, "AES", Cipher.SECRET_KEY).getEncoded();
  }

  /**
   * NIST SP 800-56A's Concat KDF with SHA-256, as RFC 7518 4.6.2 fills its inputs: each of the
   * algorithm and the two party infos prefixed with its length, then the key size in bits.
   */
  static byte[] concatKdf(byte[] shared, byte[] algorithm, byte[] apu, byte[] apv, int bits)
      throws GeneralSecurityException {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    byte[] out = new byte[0];
    for (int counter = 1; out.length * 8 < bits; counter++) {
      sha256.update(ByteBuffer.allocate(4).putInt(counter).array());
      sha256.update(shared);
      for (byte[] info : new byte[][] {algorithm, apu, apv}) {
        sha256.update(ByteBuffer.allocate(4).putInt(info.length).array());
        sha256.update(info);
      }
      sha256.update(ByteBuffer.allocate(4).putInt(bits).array());
      byte[] round = sha256.digest();
      byte[] joined = Arrays.copyOf(out, out.length + round.length);
      System.arraycopy(round, 0, joined, out.length, round.length);
      out = joined;
    }
    return Arrays.copyOf(out, bits / 8);
  }

  private static byte[] optional(JsonObject header, String field) throws UnwrapException {
    JsonValue value = header.get(field);
    if (value == null) {
      return new byte[0];
    }
    if (!value.isTextual()) {
      throw new UnwrapException("\"" + field + "\" is not a string");
    }
    return Jwe.b64(value.asText(), field);
  }
}
