package io.caisson.image.ocicrypt;

import io.caisson.json.JsonObject;
import io.caisson.json.JsonReader;
import io.caisson.json.JsonValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JSON Web Encryption message (RFC 7516) in its JSON serialization, general or flattened, as
 * ocicrypt wraps a layer's key for each recipient. Opened with a recipient's private key: the
 * content key is unwrapped ({@link JweKeyUnwrap}), then the content decrypted and authenticated
 * with the algorithms RFC 7518 defines for {@code enc} (AES-GCM, AES-CBC with HMAC).
 */
final class Jwe {
  private static final int MAX_INFLATED = 1 << 20;

  /** One recipient: its own header members and its wrapped content key. */
  record Recipient(JsonObject header, byte[] encryptedKey) {}

  private final String protectedB64;
  private final JsonObject protectedHeader;
  private final JsonObject unprotected;
  private final List<Recipient> recipients;
  private final String aadB64;
  private final byte[] iv;
  private final byte[] ciphertext;
  private final byte[] tag;

  private Jwe(
      String protectedB64,
      JsonObject protectedHeader,
      JsonObject unprotected,
      List<Recipient> recipients,
      String aadB64,
      byte[] iv,
      byte[] ciphertext,
      byte[] tag) {
    this.protectedB64 = protectedB64;
    this.protectedHeader = protectedHeader;
    this.unprotected = unprotected;
    this.recipients = recipients;
    this.aadB64 = aadB64;
    this.iv = iv;
    this.ciphertext = ciphertext;
    this.tag = tag;
  }

  /** Parses the JSON serialization; the compact one ocicrypt never writes is refused. */
  static Jwe parse(byte[] json) throws UnwrapException {
    JsonValue root;
    try {
      root = JsonReader.strict().read(json);
    } catch (IOException e) {
      throw new UnwrapException("not a JWE in JSON serialization: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new UnwrapException("not a JWE in JSON serialization");
    }
    String protectedB64 = text(root, "protected", false);
    JsonObject protectedHeader =
        protectedB64 == null ? new JsonObject() : object(b64(protectedB64, "protected"));
    JsonObject unprotected = objectOrEmpty(root, "unprotected");
    List<Recipient> recipients = new ArrayList<>();
    JsonValue list = root.get("recipients");
    if (list != null) {
      if (!list.isArray() || list.isEmpty()) {
        throw new UnwrapException("\"recipients\" is not a non-empty array");
      }
      for (JsonValue r : list) {
        recipients.add(recipient(r));
      }
    } else {
      recipients.add(recipient(root));
    }
    String aad = text(root, "aad", false);
    return new Jwe(
        protectedB64,
        protectedHeader,
        unprotected,
        List.copyOf(recipients),
        aad,
        b64(text(root, "iv", true), "iv"),
        b64(text(root, "ciphertext", true), "ciphertext"),
        b64(text(root, "tag", true), "tag"));
  }

  List<Recipient> recipients() {
    return recipients;
  }

  /**
   * The plaintext, opened with the first of {@code keys} that is one of the recipients'; a
   * UnwrapException listing why each recipient and key did not fit when none does.
   */
  byte[] decrypt(List<PrivateKey> keys) throws UnwrapException {
    List<String> misses = new ArrayList<>();
    for (Recipient recipient : recipients) {
      JsonObject header = joinedHeader(recipient);
      String alg = header.path("alg").asText("");
      String enc = header.path("enc").asText("");
      if (header.has("crit")) {
        throw new UnwrapException("a critical header extension " + header.get("crit") + " is set");
      }
      ContentAlgorithm content = ContentAlgorithm.named(enc);
      for (PrivateKey key : keys) {
        if (!JweKeyUnwrap.fits(alg, key)) {
          continue;
        }
        try {
          byte[] cek = JweKeyUnwrap.unwrap(alg, header, recipient.encryptedKey(), key);
          return inflated(header, content.decrypt(cek, iv, ciphertext, tag, aad()));
        } catch (GeneralSecurityException | UnwrapException e) {
          misses.add(alg + " with a " + key.getAlgorithm() + " key: " + e.getMessage());
        }
      }
      if (misses.isEmpty() && !JweKeyUnwrap.supported(alg)) {
        misses.add("key algorithm " + alg + " is not supported");
      }
    }
    throw new UnwrapException(
        misses.isEmpty()
            ? "no key fits any of its " + recipients.size() + " recipients"
            : String.join("; ", misses));
  }

  /** The recipient's header over the shared ones; a member given twice is an error (RFC 7516). */
  private JsonObject joinedHeader(Recipient recipient) throws UnwrapException {
    JsonObject joined = new JsonObject();
    for (JsonObject part : List.of(protectedHeader, unprotected, recipient.header())) {
      for (var member : part.properties()) {
        if (joined.has(member.getKey())) {
          throw new UnwrapException("header member \"" + member.getKey() + "\" is given twice");
        }
        joined.set(member.getKey(), member.getValue());
      }
    }
    return joined;
  }

  private byte[] aad() {
    String protectedPart = protectedB64 == null ? "" : protectedB64;
    String full = aadB64 == null ? protectedPart : protectedPart + "." + aadB64;
    return full.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] inflated(JsonObject header, byte[] plain) throws UnwrapException {
    JsonValue zip = header.get("zip");
    if (zip == null) {
      return plain;
    }
    if (!"DEF".equals(zip.asText())) {
      throw new UnwrapException("compression " + zip + " is not supported");
    }
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(plain);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new UnwrapException("the compressed plaintext is truncated");
        }
        out.write(buf, 0, n);
        if (out.size() > MAX_INFLATED) {
          throw new UnwrapException("the plaintext inflates past 1 MiB");
        }
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new UnwrapException("the compressed plaintext is corrupt: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  /** The content encryption algorithms of RFC 7518 section 5.1. */
  enum ContentAlgorithm {
    A128GCM(16, null, 0),
    A192GCM(24, null, 0),
    A256GCM(32, null, 0),
    A128CBC_HS256(32, "HmacSHA256", 16),
    A192CBC_HS384(48, "HmacSHA384", 24),
    A256CBC_HS512(64, "HmacSHA512", 32);

    private final int keyBytes;
    private final String mac;
    private final int tagBytes;

    ContentAlgorithm(int keyBytes, String mac, int tagBytes) {
      this.keyBytes = keyBytes;
      this.mac = mac;
      this.tagBytes = tagBytes;
    }

    static ContentAlgorithm named(String enc) throws UnwrapException {
      for (ContentAlgorithm a : values()) {
        if (a.name().replace('_', '-').equals(enc)) {
          return a;
        }
      }
      throw new UnwrapException("content encryption \"" + enc + "\" is not supported");
    }

    byte[] decrypt(byte[] cek, byte[] iv, byte[] ciphertext, byte[] tag, byte[] aad)
        throws GeneralSecurityException, UnwrapException {
      if (cek.length != keyBytes) {
        throw new UnwrapException(
            "the content key has " + cek.length + " bytes, " + name() + " takes " + keyBytes);
      }
      if (mac == null) {
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
        gcm.updateAAD(aad);
        return gcm.doFinal(
            ByteBuffer.allocate(ciphertext.length + tag.length).put(ciphertext).put(tag).array());
      }
      // RFC 7518 5.2.2.2: MAC key first, then the AES key; the tag is the HMAC's first half.
      int half = keyBytes / 2;
      Mac hmac = Mac.getInstance(mac);
      hmac.init(new SecretKeySpec(cek, 0, half, mac));
      hmac.update(aad);
      hmac.update(iv);
      hmac.update(ciphertext);
      hmac.update(ByteBuffer.allocate(8).putLong((long) aad.length * 8).array());
      byte[] expected = Arrays.copyOf(hmac.doFinal(), tagBytes);
      if (!MessageDigest.isEqual(expected, tag)) {
        throw new UnwrapException("the authentication tag does not match");
      }
      Cipher cbc = Cipher.getInstance("AES/CBC/PKCS5Padding");
      cbc.init(
          Cipher.DECRYPT_MODE, new SecretKeySpec(cek, half, half, "AES"), new IvParameterSpec(iv));
      return cbc.doFinal(ciphertext);
    }
  }

  private static Recipient recipient(JsonValue node) throws UnwrapException {
    if (!node.isObject()) {
      throw new UnwrapException("a recipient is not a JSON object");
    }
    String key = text(node, "encrypted_key", false);
    return new Recipient(
        objectOrEmpty(node, "header"), key == null ? new byte[0] : b64(key, "encrypted_key"));
  }

  private static String text(JsonValue node, String field, boolean required)
      throws UnwrapException {
    JsonValue value = node.get(field);
    if (value == null) {
      if (required) {
        throw new UnwrapException("no \"" + field + "\"");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw new UnwrapException("\"" + field + "\" is not a string");
    }
    return value.asText();
  }

  private static JsonObject objectOrEmpty(JsonValue node, String field) throws UnwrapException {
    JsonValue value = node.get(field);
    if (value == null) {
      return new JsonObject();
    }
    if (!value.isObject()) {
      throw new UnwrapException("\"" + field + "\" is not a JSON object");
    }
    return (JsonObject) value;
  }

  private static JsonObject object(byte[] json) throws UnwrapException {
    try {
      JsonValue node = JsonReader.strict().read(json);
      if (node != null && node.isObject()) {
        return (JsonObject) node;
      }
    } catch (IOException e) {
      // Reported below.
    }
    throw new UnwrapException("the protected header is not a JSON object");
  }

  /** Base64url without padding, as JOSE writes it. */
  static byte[] b64(String value, String what) throws UnwrapException {
    try {
      return Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new UnwrapException("\"" + what + "\" is not base64url");
    }
  }
}
