package io.caisson.image;

import io.caisson.common.IsolatedLibrary;
import java.util.List;

/**
 * OpenPGP signed messages, the form of a GPG image signature ({@code gpg --sign}, skopeo's and
 * podman's {@code --sign-by}), verified against the trust policy's keyrings; and OpenPGP encrypted
 * messages, the form of an encrypted layer's key wrapped for a GPG recipient, opened with the
 * node's secret keys. The implementation and BouncyCastle under it are loaded on first use ({@link
 * IsolatedLibrary}): only a node whose policy asks for GPG signatures, or that holds GPG decryption
 * keys, pays for them.
 */
public interface OpenPgp {
  /** The most of a signature, and of its content, that is read (containers/image's bound). */
  int MAX_BYTES = 4 << 20;

  /** Public keys to verify with. */
  interface Keyrings {
    /**
     * The signed content of {@code message}, once its one signature verified with a key of these
     * keyrings that is neither revoked nor expired; otherwise IllegalArgumentException says why
     * not.
     */
    byte[] verifiedContent(byte[] message);
  }

  /** Secret keys to decrypt with. */
  interface SecretKeys {
    /**
     * The content of {@code message}, encrypted to one of these keys with integrity protection;
     * otherwise IllegalArgumentException says why not.
     */
    byte[] decrypt(byte[] message);
  }

  /**
   * The secret keys of a keyring file as {@code gpg --export-secret-keys} writes it (binary or
   * ASCII-armored); IllegalArgumentException, naming the file as {@code name}, when it holds none
   * or they are protected by a passphrase (the daemon has none).
   */
  SecretKeys secretKeys(byte[] file, String name);

  /**
   * The public keys of keyring files, binary or ASCII-armored as {@code gpg --export} writes them;
   * IllegalArgumentException names the one that is not a keyring.
   *
   * @param names how to name each file in a message
   */
  Keyrings keyrings(List<byte[]> files, List<String> names);

  /**
   * The implementation, loaded once; IllegalStateException when it cannot be (its libraries are not
   * installed beside the daemon).
   */
  static OpenPgp get() {
    return Loader.instance();
  }

  /** Loads the implementation when first asked for, and again after a failure. */
  final class Loader {
    private static OpenPgp instance; // guarded by Loader.class

    private Loader() {}

    static synchronized OpenPgp instance() {
      if (instance == null) {
        instance =
            IsolatedLibrary.load(
                OpenPgp.class, "io.caisson.image.openpgp.BouncyCastleOpenPgp", "bc");
      }
      return instance;
    }
  }
}
