package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.common.PreflightFinding;
import io.caisson.image.ocicrypt.DecryptionKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image side of {@code caisson --check}: the files every pull reads, read as a pull reads them,
 * so a file that would fail pulls fails here first.
 */
public final class ImagePreflight {
  private ImagePreflight() {}

  public static List<PreflightFinding> check(
      Path registriesConf, Path signaturePolicy, Path decryptionKeys) {
    List<PreflightFinding> out = new ArrayList<>();
    String conf = "registries.conf " + registriesConf;
    try {
      RegistriesConf rules = new RegistriesConfFile(registriesConf).current();
      out.add(PreflightFinding.ok(conf, rules.summary()));
    } catch (CaissonException e) {
      out.add(PreflightFinding.fail(conf, e.getMessage()));
    }
    String policy = "signature policy " + signaturePolicy;
    if (signaturePolicy == null) {
      out.add(PreflightFinding.ok("signature policy", "none: every image may be pulled"));
    } else {
      try {
        out.add(PreflightFinding.ok(policy, new SignaturePolicyFile(signaturePolicy).summary()));
      } catch (CaissonException e) {
        out.add(PreflightFinding.fail(policy, e.getMessage()));
      }
    }
    String keys = decryptionKeys == null ? "decryption keys" : "decryption keys " + decryptionKeys;
    DecryptionKeys.Summary found = DecryptionKeys.in(decryptionKeys).summary();
    out.add(
        found.problems().isEmpty()
            ? PreflightFinding.ok(keys, found.text())
            : PreflightFinding.warn(keys, found.text()));
    out.add(
        Digest.usesLibcrypto()
            ? PreflightFinding.ok("libcrypto", "layer digests and decryption through OpenSSL")
            : PreflightFinding.warn(
                "libcrypto",
                "libcrypto.so.3 cannot be loaded: layers are hashed and decrypted by the JDK,"
                    + " several times slower under the daemon's JIT (install libssl3)"));
    return out;
  }
}
