package io.caisson.image;

import io.caisson.common.CaissonException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Credentials for one pull, as CRI's AuthConfig carries them. Every field may be null or empty.
 * {@link #toString()} never shows a secret.
 */
public record Credentials(
    String username, String password, String auth, String identityToken, String registryToken) {

  public static final Credentials NONE = new Credentials(null, null, null, null, null);

  public static Credentials basic(String username, String password) {
    return new Credentials(username, password, null, null, null);
  }

  public boolean isEmpty() {
    return blank(username)
        && blank(password)
        && blank(auth)
        && blank(identityToken)
        && blank(registryToken);
  }

  /** Username and password, decoding {@code auth} (base64 of {@code user:password}) if needed. */
  UserPass userPass() {
    if (!blank(username)) {
      return new UserPass(username, password == null ? "" : password);
    }
    if (!blank(auth)) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw CaissonException.invalid("auth credentials are not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw CaissonException.invalid("auth credentials must decode to user:password");
      }
      return new UserPass(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    return null;
  }

  record UserPass(String username, String password) {
    String basicHeader() {
      return "Basic "
          + Base64.getEncoder()
              .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "UserPass[" + username + ", ***]";
    }
  }

  /** A one-way fingerprint, so pulls with different credentials never share work or tokens. */
  String fingerprint() {
    var md = Digest.newSha256();
    for (String s : new String[] {username, password, auth, identityToken, registryToken}) {
      md.update((s == null ? "\0null" : s).getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  @Override
  public String toString() {
    return isEmpty()
        ? "Credentials[none]"
        : "Credentials[" + (username == null ? "" : username) + ", ***]";
  }
}
