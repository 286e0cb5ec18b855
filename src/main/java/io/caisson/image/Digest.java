package io.caisson.image;

import io.caisson.common.CaissonException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:<64 hex>}; only sha256 and sha512 are accepted. */
public record Digest(String algorithm, String hex) {
  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    boolean ok =
        switch (algorithm) {
          case "sha256" -> SHA256.matcher(hex).matches();
          case "sha512" -> SHA512.matcher(hex).matches();
          default -> false;
        };
    if (!ok) {
      throw CaissonException.invalid("invalid digest %s:%s", algorithm, hex);
    }
  }

  /** Parses {@code algorithm:hex}; anything else is INVALID_ARGUMENT. */
  public static Digest parse(String text) {
    if (text == null) {
      throw CaissonException.invalid("missing digest");
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw CaissonException.invalid("invalid digest %s", text);
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  public static Digest sha256(byte[] data) {
    MessageDigest md = newSha256();
    return new Digest("sha256", HexFormat.of().formatHex(md.digest(data)));
  }

  /** A fresh hasher for this digest's algorithm. */
  public MessageDigest newHasher() {
    return hasher(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
  }

  /** True when the finished hasher's value equals this digest. */
  public boolean matches(MessageDigest finished) {
    return HexFormat.of().formatHex(finished.digest()).equals(hex);
  }

  /** Whether digests are libcrypto's on this node (else the JDK's). */
  public static boolean usesLibcrypto() {
    return OpenSslDigest.create("SHA-256").isPresent();
  }

  /** A fresh SHA-256 hasher: libcrypto's where the node has it, else the JDK's. */
  public static MessageDigest newSha256() {
    return hasher("SHA-256");
  }

  /** libcrypto's where the node has it (see {@link OpenSslDigest}), else the JDK's. */
  private static MessageDigest hasher(String name) {
    return OpenSslDigest.create(name)
        .orElseGet(
            () -> {
              try {
                return MessageDigest.getInstance(name);
              } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
              }
            });
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
