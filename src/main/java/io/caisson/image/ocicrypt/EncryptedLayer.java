package io.caisson.image.ocicrypt;

import io.caisson.image.Digest;
import io.caisson.image.OpenPgp;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A layer encrypted as ocicrypt (containers/ocicrypt, the OCI image encryption of skopeo, podman,
 * CRI-O and containerd's imgcrypt) writes it: the media type ends in {@code +encrypted}; the layer
 * is AES-256-CTR with an HMAC-SHA256 over the ciphertext; its key, nonce and plaintext digest (the
 * "private options") are wrapped for each recipient in the descriptor's {@code
 * org.opencontainers.image.enc.keys.SCHEME} annotation; the cipher and the HMAC (the "public
 * options") are in {@code org.opencontainers.image.enc.pubopts}.
 */
public record EncryptedLayer(Digest digest, String mediaType, Map<String, String> annotations) {
  static final String KEYS_PREFIX = "org.opencontainers.image.enc.keys.";
  static final String JWE = KEYS_PREFIX + "jwe";
  static final String PGP = KEYS_PREFIX + "pgp";
  static final String PKCS7 = KEYS_PREFIX + "pkcs7";
  static final String PUBLIC_OPTIONS = "org.opencontainers.image.enc.pubopts";
  static final String CIPHER = "AES_256_CTR_HMAC_SHA256";
  private static final String SUFFIX = "+encrypted";

  public EncryptedLayer {
    annotations = Map.copyOf(annotations);
  }

  /** The layer's encryption, when its media type says it is encrypted. */
  public static Optional<EncryptedLayer> of(
      Digest digest, String mediaType, Map<String, String> annotations) {
    return mediaType.endsWith(SUFFIX)
        ? Optional.of(new EncryptedLayer(digest, mediaType, annotations))
        : Optional.empty();
  }

  /** The media type of the layer once decrypted (which says how it is compressed). */
  public String plainMediaType() {
    return mediaType.substring(0, mediaType.length() - SUFFIX.length());
  }

  /**
   * The layer's key, unwrapped with one of the node's keys; refused with the reason when none of
   * them opens any of the layer's wrapped keys.
   */
  public LayerKey unwrap(DecryptionKeys keys) throws LayerDecryptionException {
    String jwe = annotations.getOrDefault(JWE, "");
    String pgp = annotations.getOrDefault(PGP, "");
    String pkcs7 = annotations.getOrDefault(PKCS7, "");
    if (jwe.isEmpty() && pgp.isEmpty() && pkcs7.isEmpty()) {
      throw new LayerDecryptionException(
          "layer %s is encrypted for %s recipients only; Caisson opens layers wrapped with JWE, PGP or PKCS7"
              .formatted(digest, schemes()));
    }
    DecryptionKeys.Loaded loaded = keys.loaded();
    List<String> misses = new ArrayList<>();
    for (String one : jwe.isEmpty() ? new String[0] : jwe.split(",")) {
      try {
        return key(Jwe.parse(base64(one, JWE)).decrypt(loaded.privateKeys()));
      } catch (UnwrapException | RuntimeException e) {
        misses.add("JWE: " + reason(e));
      }
    }
    for (String one : pkcs7.isEmpty() ? new String[0] : pkcs7.split(",")) {
      try {
        return key(Pkcs7Envelope.open(base64(one, PKCS7), loaded.privateKeys()));
      } catch (UnwrapException | RuntimeException e) {
        misses.add("PKCS7: " + reason(e));
      }
    }
    for (String one : pgp.isEmpty() ? new String[0] : pgp.split(",")) {
      byte[] message = base64(one, PGP);
      for (OpenPgp.SecretKeys ring : loaded.pgpKeys()) {
        try {
          return key(ring.decrypt(message));
        } catch (RuntimeException e) {
          misses.add("PGP: " + reason(e));
        }
      }
    }
    String why = misses.isEmpty() ? "" : ": " + String.join("; ", misses);
    throw new LayerDecryptionException(
        "layer %s is encrypted (%s) and %s%s".formatted(digest, schemes(), keys.describe(), why));
  }

  /**
   * Why a wrapped key did not open. The wrapped keys come from the registry: a parser tripping over
   * a malformed one is one more miss, never the pull's internal error.
   */
  private static String reason(Exception e) {
    return e instanceof UnwrapException || e instanceof IllegalArgumentException
        ? e.getMessage()
        : "it is malformed (" + e + ")";
  }

  private LayerKey key(byte[] privateOptionsJson) throws LayerDecryptionException {
    JsonValue priv = json(privateOptionsJson, "its private options");
    String publicOptions = annotations.get(PUBLIC_OPTIONS);
    if (publicOptions == null) {
      throw new LayerDecryptionException("layer " + digest + " has no " + PUBLIC_OPTIONS);
    }
    JsonValue pub = json(base64(publicOptions, PUBLIC_OPTIONS), PUBLIC_OPTIONS);
    if (!CIPHER.equals(pub.path("cipher").asText())) {
      throw new LayerDecryptionException(
          "layer %s is encrypted with cipher %s; Caisson reads %s"
              .formatted(digest, pub.get("cipher"), CIPHER));
    }
    byte[] symmetricKey = bytes(priv, "symkey", "the private options");
    byte[] hmac = bytes(pub, "hmac", PUBLIC_OPTIONS);
    // ocicrypt looks for a cipher option in the public options first.
    JsonValue nonce = pub.path("cipheroptions").get("nonce");
    byte[] iv =
        nonce != null
            ? bytes(pub.path("cipheroptions"), "nonce", PUBLIC_OPTIONS)
            : bytes(priv.path("cipheroptions"), "nonce", "the private options");
    Digest plainDigest = null;
    String written = priv.path("digest").asText("");
    if (!written.isEmpty()) {
      try {
        plainDigest = Digest.parse(written);
      } catch (RuntimeException e) {
        throw new LayerDecryptionException(
            "layer " + digest + ": the private options' digest " + written + " is not valid");
      }
    }
    if (symmetricKey.length != 32 || iv.length != 16 || hmac.length != 32) {
      throw new LayerDecryptionException(
          "layer %s: %s takes a 32-byte key, a 16-byte nonce and a 32-byte HMAC, not %d, %d and %d"
              .formatted(digest, CIPHER, symmetricKey.length, iv.length, hmac.length));
    }
    return new LayerKey(symmetricKey, iv, hmac, plainDigest);
  }

  private String schemes() {
    TreeSet<String> schemes = new TreeSet<>();
    for (String name : annotations.keySet()) {
      if (name.startsWith(KEYS_PREFIX)) {
        schemes.add(name.substring(KEYS_PREFIX.length()));
      }
    }
    return schemes.isEmpty() ? "no" : String.join(", ", schemes).toUpperCase(Locale.ROOT);
  }

  private JsonValue json(byte[] bytes, String what) throws LayerDecryptionException {
    try {
      JsonValue node = Json.parse(bytes);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (IOException e) {
      // Reported below.
    }
    throw new LayerDecryptionException("layer " + digest + ": " + what + " are not a JSON object");
  }

  /** A Go {@code []byte} in JSON: standard base64 with padding. */
  private byte[] bytes(JsonValue node, String field, String where) throws LayerDecryptionException {
    JsonValue value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new LayerDecryptionException(
          "layer " + digest + ": " + where + " have no \"" + field + "\"");
    }
    return base64(value.asText(), where + " " + field);
  }

  private byte[] base64(String value, String what) throws LayerDecryptionException {
    try {
      return Base64.getDecoder().decode(value.strip());
    } catch (IllegalArgumentException e) {
      throw new LayerDecryptionException("layer " + digest + ": " + what + " is not base64");
    }
  }
}
