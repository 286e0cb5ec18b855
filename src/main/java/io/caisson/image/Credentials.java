package io.caisson.image;

import io.caisson.common.CaissonException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Credentials for one pull, as CRI's AuthConfig carries them. Every field may be null or empty.
 * {@code serverAddress} names the registry they were issued for (kubelet fills it from the key of
 * the docker config or credential provider that matched); {@link #issuedFor} keeps them from any
 * other registry. {@link #toString()} never shows a secret.
 */
public record Credentials(
    String username,
    String password,
    String auth,
    String identityToken,
    String registryToken,
    String serverAddress) {

  public static final Credentials NONE = new Credentials(null, null, null, null, null);

  /** Credentials not tied to a registry. */
  public Credentials(
      String username, String password, String auth, String identityToken, String registryToken) {
    this(username, password, auth, identityToken, registryToken, null);
  }

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

  /**
   * Whether these credentials may be sent for an image of {@code registry} (the reference's own
   * host, before any mirror or rewrite). An empty server address fits every registry, as it did
   * before CRI had the field. Otherwise its host (scheme and path dropped, as docker config keys
   * are written) must be the registry, label by label, where {@code *} in a key such as {@code
   * *.example.com} stands for any part of one label, as in kubelet's keyring; Docker Hub's names
   * are one registry.
   */
  public boolean issuedFor(String registry) {
    if (blank(serverAddress)) {
      return true;
    }
    String key = serverAddress.trim().toLowerCase(Locale.ROOT);
    key = key.replaceFirst("^[a-z][a-z0-9+.-]*://", "");
    int slash = key.indexOf('/');
    String host = ImageReference.dockerHubAlias(slash < 0 ? key : key.substring(0, slash));
    String[] pattern = host.split("\\.", -1);
    String[] labels =
        ImageReference.dockerHubAlias(registry.toLowerCase(Locale.ROOT)).split("\\.", -1);
    if (pattern.length != labels.length) {
      return false;
    }
    for (int i = 0; i < labels.length; i++) {
      if (!labelMatches(pattern[i], labels[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean labelMatches(String pattern, String label) {
    if (!pattern.contains("*")) {
      return pattern.equals(label);
    }
    StringBuilder regex = new StringBuilder();
    for (String literal : pattern.split("\\*", -1)) {
      if (!regex.isEmpty()) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(literal));
    }
    return label.matches(regex.toString());
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
