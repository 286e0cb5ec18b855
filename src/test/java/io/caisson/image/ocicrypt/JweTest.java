package io.caisson.image.ocicrypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The JWE algorithms Debian's skopeo does not write (RSA-OAEP-256, AES-CBC with HMAC, ECDH-ES with
 * AES-128 key wrap), built here step by step from RFC 7516 and 7518, and the rules of the format.
 */
class JweTest {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final byte[] PLAIN = "{\"symkey\":\"...\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void concatKdfGivesRfc7518AppendixCsKey() throws Exception {
    byte[] z = {
      (byte) 158,
      86,
      (byte) 217,
      29,
      (byte) 129,
      113,
      53,
      (byte) 211,
      114,
      (byte) 131,
      66,
      (byte) 131,
      (byte) 191,
      (byte) 132,
      38,
      (byte) 156,
      (byte) 251,
      49,
      110,
      (byte) 163,
      (byte) 218,
      (byte) 128,
      106,
      72,
      (byte) 246,
      (byte) 218,
      (byte) 167,
      121,
      (byte) 140,
      (byte) 254,
      (byte) 144,
      (byte) 196
    };
    byte[] key = JweKeyUnwrap.concatKdf(z, ascii("A128GCM"), ascii("Alice"), ascii("Bob"), 128);
    assertThat(B64.encodeToString(key)).isEqualTo("VqqN6vgjbSBcIijNcacQGg");
  }

  @Test
  void rsaOaep256WithAesCbcHmacInTheFlattenedSerialization() throws Exception {
    KeyPair rsa = generate("RSA", null);
    byte[] cek = random(32);
    Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
    oaep.init(
        Cipher.ENCRYPT_MODE,
        rsa.getPublic(),
        new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    String protectedB64 = B64.encodeToString(ascii("{\"enc\":\"A128CBC-HS256\"}"));
    String aadB64 = B64.encodeToString(ascii("extra"));
    byte[] iv = random(16);
    byte[][] sealed = cbcHmac(cek, iv, PLAIN, ascii(protectedB64 + "." + aadB64));
    JsonObject jwe = new JsonObject();
    jwe.put("protected", protectedB64).put("aad", aadB64);
    jwe.putObject("header").put("alg", "RSA-OAEP-256");
    jwe.put("encrypted_key", B64.encodeToString(oaep.doFinal(cek)));
    jwe.put("iv", B64.encodeToString(iv));
    jwe.put("ciphertext", B64.encodeToString(sealed[0])).put("tag", B64.encodeToString(sealed[1]));

    assertThat(Jwe.parse(bytes(jwe)).decrypt(List.of(rsa.getPrivate()))).isEqualTo(PLAIN);

    byte[] tag = sealed[1].clone();
    tag[0] ^= 1;
    jwe.put("tag", B64.encodeToString(tag));
    assertThatThrownBy(() -> Jwe.parse(bytes(jwe)).decrypt(List.of(rsa.getPrivate())))
        .hasMessageContaining("the authentication tag does not match");
  }

  @Test
  void ecdhEsWithAes128KeyWrapAndGcmForTheSecondRecipient() throws Exception {
    KeyPair node = generate("EC", "secp256r1");
    KeyPair stranger = generate("EC", "secp256r1");
    KeyPair ephemeral = generate("EC", "secp256r1");
    byte[] cek = random(16);
    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
    ecdh.init(ephemeral.getPrivate());
    ecdh.doPhase(node.getPublic(), true);
    // RFC 7518 4.6.2: one SHA-256 round over counter, Z, and the length-prefixed infos.
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    sha256.update(new byte[] {0, 0, 0, 1});
    sha256.update(ecdh.generateSecret());
    sha256.update(new byte[] {0, 0, 0, 14});
    sha256.update(ascii("ECDH-ES+A128KW"));
    sha256.update(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 128});
    byte[] kek = Arrays.copyOf(sha256.digest(), 16);
    Cipher wrap = Cipher.getInstance("AESWrap");
    wrap.init(Cipher.WRAP_MODE, new SecretKeySpec(kek, "AES"));
    byte[] wrapped = wrap.wrap(new SecretKeySpec(cek, "AES"));

    String protectedB64 = B64.encodeToString(ascii("{\"enc\":\"A128GCM\"}"));
    byte[] iv = random(12);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
    gcm.updateAAD(ascii(protectedB64));
    byte[] sealed = gcm.doFinal(PLAIN);

    JsonObject jwe = new JsonObject();
    jwe.put("protected", protectedB64);
    var recipients = jwe.putArray("recipients");
    recipients.addObject().putObject("header").put("alg", "RSA-OAEP");
    JsonObject header =
        recipients
            .addObject()
            .put("encrypted_key", B64.encodeToString(wrapped))
            .putObject("header");
    header.put("alg", "ECDH-ES+A128KW");
    ECPublicKey epk = (ECPublicKey) ephemeral.getPublic();
    header
        .putObject("epk")
        .put("kty", "EC")
        .put("crv", "P-256")
        .put("x", fixed(epk.getW().getAffineX().toByteArray(), 32))
        .put("y", fixed(epk.getW().getAffineY().toByteArray(), 32));
    jwe.put("iv", B64.encodeToString(iv));
    jwe.put("ciphertext", B64.encodeToString(Arrays.copyOf(sealed, sealed.length - 16)));
    jwe.put(
        "tag", B64.encodeToString(Arrays.copyOfRange(sealed, sealed.length - 16, sealed.length)));

    Jwe parsed = Jwe.parse(bytes(jwe));
    assertThat(parsed.decrypt(List.of(stranger.getPrivate(), node.getPrivate()))).isEqualTo(PLAIN);
    assertThatThrownBy(() -> parsed.decrypt(List.of(stranger.getPrivate())))
        .isInstanceOf(UnwrapException.class)
        .hasMessageContaining("ECDH-ES+A128KW with a EC key");
  }

  @Test
  void aDeflatedPlaintextIsInflated() throws Exception {
    KeyPair rsa = generate("RSA", null);
    ByteArrayOutputStream deflated = new ByteArrayOutputStream();
    try (var out = new DeflaterOutputStream(deflated, new Deflater(9, true))) {
      out.write(PLAIN);
    }
    assertThat(
            Jwe.parse(
                    rsaOaepGcm(
                        rsa, "{\"enc\":\"A256GCM\",\"zip\":\"DEF\"}", deflated.toByteArray()))
                .decrypt(List.of(rsa.getPrivate())))
        .isEqualTo(PLAIN);
  }

  @Test
  void malformedOrUnsupportedMessagesAreRefusedWithTheReason() throws Exception {
    KeyPair rsa = generate("RSA", null);
    assertThatThrownBy(() -> Jwe.parse(ascii("a.b.c.d.e")))
        .hasMessageContaining("not a JWE in JSON serialization");
    assertThatThrownBy(
            () ->
                Jwe.parse(rsaOaepGcm(rsa, "{\"enc\":\"A256GCM\",\"alg\":\"RSA-OAEP\"}", PLAIN))
                    .decrypt(List.of(rsa.getPrivate())))
        .hasMessageContaining("header member \"alg\" is given twice");
    assertThatThrownBy(
            () ->
                Jwe.parse(rsaOaepGcm(rsa, "{\"enc\":\"A256GCM\",\"crit\":[\"exp\"]}", PLAIN))
                    .decrypt(List.of(rsa.getPrivate())))
        .hasMessageContaining("critical header extension");
    assertThatThrownBy(
            () ->
                Jwe.parse(rsaOaepGcm(rsa, "{\"enc\":\"A512GCM\"}", PLAIN))
                    .decrypt(List.of(rsa.getPrivate())))
        .hasMessageContaining("content encryption \"A512GCM\" is not supported");
    JsonObject direct = (JsonObject) Json.parse(rsaOaepGcm(rsa, "{\"enc\":\"A256GCM\"}", PLAIN));
    direct.putObject("header").put("alg", "dir");
    assertThatThrownBy(() -> Jwe.parse(bytes(direct)).decrypt(List.of(rsa.getPrivate())))
        .hasMessageContaining("key algorithm dir is not supported");
  }

  /** A flattened JWE for {@code rsa} (RSA-OAEP, A256GCM) of {@code plain}. */
  private static byte[] rsaOaepGcm(KeyPair rsa, String protectedHeader, byte[] plain)
      throws Exception {
    byte[] cek = random(32);
    Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
    oaep.init(Cipher.ENCRYPT_MODE, rsa.getPublic());
    String protectedB64 = B64.encodeToString(ascii(protectedHeader));
    byte[] iv = random(12);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
    gcm.updateAAD(ascii(protectedB64));
    byte[] sealed = gcm.doFinal(plain);
    JsonObject jwe = new JsonObject();
    jwe.put("protected", protectedB64);
    jwe.putObject("header").put("alg", "RSA-OAEP");
    jwe.put("encrypted_key", B64.encodeToString(oaep.doFinal(cek)));
    jwe.put("iv", B64.encodeToString(iv));
    jwe.put("ciphertext", B64.encodeToString(Arrays.copyOf(sealed, sealed.length - 16)));
    jwe.put(
        "tag", B64.encodeToString(Arrays.copyOfRange(sealed, sealed.length - 16, sealed.length)));
    return bytes(jwe);
  }

  /** RFC 7518 5.2.2.1: AES-CBC under the key's second half, HMAC under its first. */
  private static byte[][] cbcHmac(byte[] cek, byte[] iv, byte[] plain, byte[] aad)
      throws Exception {
    Cipher cbc = Cipher.getInstance("AES/CBC/PKCS5Padding");
    cbc.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, 16, 16, "AES"), new IvParameterSpec(iv));
    byte[] ciphertext = cbc.doFinal(plain);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(cek, 0, 16, "HmacSHA256"));
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(ByteBuffer.allocate(8).putLong(aad.length * 8L).array());
    return new byte[][] {ciphertext, Arrays.copyOf(mac.doFinal(), 16)};
  }

  private static KeyPair generate(String algorithm, String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    if (curve == null) {
      g.initialize(2048);
    } else {
      g.initialize(new ECGenParameterSpec(curve));
    }
    return g.generateKeyPair();
  }

  /** A coordinate as exactly {@code length} big-endian bytes (BigInteger may add or drop a 0). */
  private static String fixed(byte[] twosComplement, int length) {
    byte[] out = new byte[length];
    int copy = Math.min(length, twosComplement.length);
    System.arraycopy(twosComplement, twosComplement.length - copy, out, length - copy, copy);
    return B64.encodeToString(out);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] bytes(JsonObject node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }
}
