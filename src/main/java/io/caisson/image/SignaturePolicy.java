package io.caisson.image;

import io.caisson.json.Json;
import io.caisson.json.JsonException;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The containers ecosystem's image trust policy ({@code /etc/containers/policy.json}, see
 * containers-policy.json(5)) for pulls from registries: which requirements an image must meet, by
 * the most specific scope that names it. Caisson honours {@code insecureAcceptAnything}, {@code
 * reject}, {@code sigstoreSigned} (public keys, Fulcio certificates with Rekor timestamps, an
 * operator's PKI) and {@code signedBy} with GPG keys; requirements it cannot check (X.509 {@code
 * signedBy}, types it does not know) refuse the pull rather than let an unverified image through.
 */
public final class SignaturePolicy {
  /** One requirement of a scope; all of a scope's requirements must be met. */
  sealed interface Requirement {
    record AcceptAnything() implements Requirement {}

    record Reject() implements Requirement {}

    /** A sigstore signature verified with the policy's keys. */
    record Sigstore(SigstoreSigned signed) implements Requirement {}

    /** A GPG signature from the image's lookaside storage, verified with the policy's keyrings. */
    record Gpg(GpgSigned signed) implements Requirement {}

    /** A requirement Caisson cannot check: {@code why} says what it asks for. */
    record Unverifiable(String why) implements Requirement {}
  }

  /** What the policy says about one image. */
  public sealed interface Verdict {
    /** The image may be pulled. */
    record Accepted() implements Verdict {}

    /** The image may not be pulled; {@code why} names the scope and the requirement. */
    record Refused(String why) implements Verdict {}

    /**
     * The image may be pulled once its manifest has signatures that meet every one of the
     * requirements of {@code scope}: sigstore ones attached in the registry, GPG ones in the
     * lookaside storage.
     */
    record SignaturesRequired(String scope, List<SigstoreSigned> sigstore, List<GpgSigned> gpg)
        implements Verdict {}
  }

  private final List<Requirement> defaultRequirements;
  private final Map<String, List<Requirement>> dockerScopes;

  private SignaturePolicy(
      List<Requirement> defaultRequirements, Map<String, List<Requirement>> dockerScopes) {
    this.defaultRequirements = defaultRequirements;
    this.dockerScopes = dockerScopes;
  }

  /** What the policy amounts to, in a line: for {@code caisson --check}. */
  String summary() {
    return "default %s, %d docker scopes"
        .formatted(
            defaultRequirements.stream()
                .map(
                    r ->
                        switch (r) {
                          case Requirement.AcceptAnything a -> "insecureAcceptAnything";
                          case Requirement.Reject x -> "reject";
                          case Requirement.Sigstore x -> "sigstoreSigned";
                          case Requirement.Gpg x -> "signedBy";
                          case Requirement.Unverifiable x -> "unverifiable: " + x.why();
                        })
                .toList(),
            dockerScopes.size());
  }

  /** A policy that accepts every image: what a node without a policy file gets. */
  public static SignaturePolicy acceptAnything() {
    return new SignaturePolicy(List.of(new Requirement.AcceptAnything()), Map.of());
  }

  /** Parses a policy; IllegalArgumentException names what is wrong with it. */
  public static SignaturePolicy parse(byte[] json) {
    JsonValue root;
    try {
      root = Json.parse(json);
    } catch (JsonException e) {
      throw new IllegalArgumentException(
          "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new IllegalArgumentException("not readable: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (!root.has("default")) {
      throw new IllegalArgumentException("it has no \"default\" requirements");
    }
    List<Requirement> byDefault = requirements("default", root.get("default"));
    Map<String, List<Requirement>> docker = new LinkedHashMap<>();
    JsonValue scopes = root.path("transports").path("docker");
    if (!scopes.isMissingNode() && !scopes.isObject()) {
      throw new IllegalArgumentException("transports.docker is not an object of scopes");
    }
    for (var entry : scopes.properties()) {
      docker.put(
          entry.getKey(), requirements("docker scope '" + entry.getKey() + "'", entry.getValue()));
    }
    return new SignaturePolicy(byDefault, Map.copyOf(docker));
  }

  /** The requirements of one scope; a scope must have at least one. */
  private static List<Requirement> requirements(String where, JsonValue list) {
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException(where + ": requirements must be a non-empty list");
    }
    List<Requirement> out = new ArrayList<>();
    for (JsonValue requirement : list) {
      String type = requirement.path("type").asText("");
      out.add(
          switch (type) {
            case "" ->
                throw new IllegalArgumentException(where + ": a requirement has no \"type\"");
            case "insecureAcceptAnything" -> new Requirement.AcceptAnything();
            case "reject" -> new Requirement.Reject();
            case "sigstoreSigned" -> SigstoreSigned.parse(where, requirement);
            case "signedBy" -> GpgSigned.parse(where, requirement);
            default ->
                new Requirement.Unverifiable(
                    "a requirement of type '" + type + "', which Caisson does not know");
          });
    }
    return List.copyOf(out);
  }

  /**
   * IllegalArgumentException unless {@code node} is an object of no field but {@code fields}: a
   * requirement field Caisson does not know could be one that restricts what it accepts.
   */
  static void onlyFields(String where, String what, JsonValue node, Set<String> fields) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": " + what + " is not an object");
    }
    for (var property : node.properties()) {
      String name = property.getKey();
      if (!fields.contains(name)) {
        throw new IllegalArgumentException(where + ": " + what + " has no field '" + name + "'");
      }
    }
  }

  /** The verdict for pulling {@code ref} from a registry, by the most specific matching scope. */
  public Verdict evaluate(ImageReference ref) {
    String scope = scopeFor(ref);
    List<Requirement> requirements = scope == null ? defaultRequirements : dockerScopes.get(scope);
    String where = scope == null ? "the policy's default" : "scope '" + scope + "'";
    List<SigstoreSigned> sigstore = new ArrayList<>();
    List<GpgSigned> gpg = new ArrayList<>();
    for (Requirement requirement : requirements) {
      switch (requirement) {
        case Requirement.AcceptAnything a -> {}
        case Requirement.Reject r -> {
          return new Verdict.Refused(where + " rejects " + ref);
        }
        case Requirement.Unverifiable(String why) -> {
          return new Verdict.Refused(where + " requires " + why + " (" + ref + ")");
        }
        case Requirement.Sigstore(SigstoreSigned signed) -> sigstore.add(signed);
        case Requirement.Gpg(GpgSigned signed) -> gpg.add(signed);
      }
    }
    return sigstore.isEmpty() && gpg.isEmpty()
        ? new Verdict.Accepted()
        : new Verdict.SignaturesRequired(where, List.copyOf(sigstore), List.copyOf(gpg));
  }

  /**
   * The docker scope that applies, most specific first: the name with its tag or digest, the
   * repository, each enclosing namespace up to the registry, a wildcard for the registry's parent
   * domains ({@code *.example.com}), then the transport's own default ({@code ""}); null when none
   * does (the policy's default applies).
   */
  String scopeFor(ImageReference ref) {
    List<String> candidates = new ArrayList<>(identityAndNamespaces(ref));
    candidates.add("");
    return candidates.stream().filter(dockerScopes::containsKey).findFirst().orElse(null);
  }

  /**
   * How the containers tools name an image's configuration, most specific first: the name with its
   * tag or digest, the repository, each enclosing namespace up to the registry, then wildcards for
   * the registry's parent domains ({@code *.example.com}).
   */
  static List<String> identityAndNamespaces(ImageReference ref) {
    List<String> candidates = new ArrayList<>();
    String name = ref.name();
    if (ref.digest() != null) {
      candidates.add(name + "@" + ref.digest());
    } else if (ref.tag() != null) {
      candidates.add(name + ":" + ref.tag());
    }
    for (String scope = name; ; ) {
      candidates.add(scope);
      int slash = scope.lastIndexOf('/');
      if (slash < 0) {
        break;
      }
      scope = scope.substring(0, slash);
    }
    String host = ref.registry();
    int colon = host.indexOf(':');
    String domain = colon < 0 ? host : host.substring(0, colon);
    for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
      candidates.add("*" + domain.substring(dot));
    }
    return candidates;
  }
}
