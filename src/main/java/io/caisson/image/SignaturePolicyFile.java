package io.caisson.image;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust policy file pulls follow ({@code signature_policy}, by default
 * /etc/containers/policy.json, the file podman, skopeo and CRI-O read), read again at every pull
 * and parsed again when its bytes change, so an edit applies to the next pull. No file means no
 * policy: every image is accepted, as containerd does. A file made invalid fails pulls, naming the
 * error, until it is mended: pulling on under a policy nobody can read could let through what the
 * edit meant to keep out.
 */
public final class SignaturePolicyFile {
  private static final Logger log = LoggerFactory.getLogger(SignaturePolicyFile.class);
  private static final int MAX_BYTES = 1 << 20;

  private final Path path;
  private byte[] content; // guarded by this: the bytes last parsed, null for no file
  private SignaturePolicy policy = SignaturePolicy.acceptAnything(); // guarded by this
  private String invalid; // guarded by this

  /**
   * @param path the policy file; null means none
   */
  public SignaturePolicyFile(Path path) {
    this.path = path;
  }

  /** What a pull must show once it knows its manifest's digest, before it fetches any layer. */
  @FunctionalInterface
  interface Gate {
    Gate OPEN = (session, manifest) -> {};

    /** Throws FAILED_PRECONDITION when the manifest at this endpoint is not trusted. */
    void verify(RegistrySession session, Digest manifest);
  }

  /**
   * Refuses the pull of {@code ref}, FAILED_PRECONDITION, when the policy does not accept it;
   * otherwise the signatures the pull must still find.
   *
   * @param lookaside where GPG signatures are read from, if the policy asks for them and the
   *     registry does not serve them itself
   */
  Gate check(ImageReference ref, Lookaside lookaside) {
    return switch (current().evaluate(ref)) {
      case SignaturePolicy.Verdict.Refused(String why) ->
          throw CaissonException.precondition("pull of %s refused by %s: %s", ref, path, why);
      case SignaturePolicy.Verdict.Accepted a -> Gate.OPEN;
      case SignaturePolicy.Verdict.SignaturesRequired(String scope, var sigstore, var gpg) ->
          (session, manifest) -> {
            if (!sigstore.isEmpty()) {
              List<SigstoreAttachments.Signature> signatures =
                  SigstoreAttachments.fetch(session, manifest);
              require(
                  new Signed(ref, scope, manifest, "sigstore", "at " + session.endpoint()),
                  sigstore,
                  requirement -> requirement.rejection(ref, manifest, signatures));
            }
            if (!gpg.isEmpty()) {
              Lookaside.Found found =
                  session.supportsSignatureExtension()
                      ? SignatureExtension.fetch(session, manifest)
                      : lookaside.signatures(ref, manifest);
              require(
                  new Signed(ref, scope, manifest, "GPG", found.where()),
                  gpg,
                  requirement -> requirement.rejection(ref, manifest, found.signatures()));
            }
          };
    };
  }

  /** A pull's signatures of one kind, and where they were looked for. */
  private record Signed(
      ImageReference ref, String scope, Digest manifest, String kind, String where) {}

  /** Refuses the pull, FAILED_PRECONDITION, unless every requirement has no rejection. */
  private <R> void require(Signed signed, List<R> requirements, Function<R, String> rejection) {
    for (R requirement : requirements) {
      String why = rejection.apply(requirement);
      if (why != null) {
        throw CaissonException.precondition(
            "pull of %s refused by %s: %s requires a %s signature of %s %s: %s",
            signed.ref(),
            path,
            signed.scope(),
            signed.kind(),
            signed.manifest(),
            signed.where(),
            why);
      }
    }
    log.info(
        "pull {}: {} signature of {} {} accepted by {}",
        signed.ref(),
        signed.kind(),
        signed.manifest(),
        signed.where(),
        signed.scope());
  }

  /**
   * The policy as pulls now read it, in a line; FAILED_PRECONDITION when it would fail them. For
   * {@code caisson --check}.
   */
  String summary() {
    return path != null && !Files.exists(path)
        ? "no file: every image may be pulled"
        : current().summary();
  }

  private synchronized SignaturePolicy current() {
    if (path == null) {
      return policy;
    }
    byte[] now;
    try {
      if (Files.size(path) > MAX_BYTES) {
        throw CaissonException.precondition(
            "the signature policy %s is larger than %d KiB: no pull can follow it",
            path, MAX_BYTES >> 10);
      }
      now = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      now = null;
    } catch (IOException e) {
      throw CaissonException.precondition(
          "the signature policy %s cannot be read (%s): no pull can follow it", path, e);
    }
    if (!Arrays.equals(now, content)) {
      content = now;
      if (now == null) {
        policy = SignaturePolicy.acceptAnything();
        invalid = null;
        log.info("no signature policy at {}: every image may be pulled", path);
      } else {
        try {
          policy = SignaturePolicy.parse(now);
          invalid = null;
          log.info("signature policy {} read", path);
        } catch (IllegalArgumentException e) {
          invalid = e.getMessage();
          log.error("signature policy {} is invalid, so no pull can follow it: {}", path, invalid);
        }
      }
    }
    if (invalid != null) {
      throw CaissonException.precondition(
          "the signature policy %s is invalid, so no pull can follow it: %s", path, invalid);
    }
    return policy;
  }
}
