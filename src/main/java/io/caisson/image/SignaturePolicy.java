package io.caisson.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The containers ecosystem's image trust policy ({@code /etc/containers/policy.json}, see
 * containers-policy.json(5)) for pulls from registries: which requirements an image must meet, by
 * the most specific scope that names it. Caisson honours {@code insecureAcceptAnything} and {@code
 * reject}; it cannot verify signatures, so a scope that asks for them ({@code signedBy}, {@code
 * sigstoreSigned}) refuses the pull rather than let an unverified image through.
 */
public final class SignaturePolicy {
  /** What the policy says about one image. */
  public sealed interface Verdict {
    /** The image may be pulled. */
    record Accepted() implements Verdict {}

    /** The image may not be pulled; {@code why} names the scope and the requirement. */
    record Refused(String why) implements Verdict {}
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> defaultRequirements;
  private final Map<String, List<String>> dockerScopes;

  private SignaturePolicy(
      List<String> defaultRequirements, Map<String, List<String>> dockerScopes) {
    this.defaultRequirements = defaultRequirements;
    this.dockerScopes = dockerScopes;
  }

  /** A policy that accepts every image: what a node without a policy file gets. */
  public static SignaturePolicy acceptAnything() {
    return new SignaturePolicy(List.of("insecureAcceptAnything"), Map.of());
  }

  /** Parses a policy; IllegalArgumentException names what is wrong with it. */
  public static SignaturePolicy parse(byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new IllegalArgumentException("not readable: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (!root.has("default")) {
      throw new IllegalArgumentException("it has no \"default\" requirements");
    }
    List<String> byDefault = requirements("default", root.get("default"));
    Map<String, List<String>> docker = new LinkedHashMap<>();
    JsonNode scopes = root.path("transports").path("docker");
    if (!scopes.isMissingNode() && !scopes.isObject()) {
      throw new IllegalArgumentException("transports.docker is not an object of scopes");
    }
    for (var entry : scopes.properties()) {
      docker.put(
          entry.getKey(), requirements("docker scope '" + entry.getKey() + "'", entry.getValue()));
    }
    return new SignaturePolicy(byDefault, Map.copyOf(docker));
  }

  /** The requirement types of one scope; a scope must have at least one. */
  private static List<String> requirements(String where, JsonNode list) {
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException(where + ": requirements must be a non-empty list");
    }
    List<String> types = new ArrayList<>();
    for (JsonNode requirement : list) {
      String type = requirement.path("type").asText("");
      if (type.isEmpty()) {
        throw new IllegalArgumentException(where + ": a requirement has no \"type\"");
      }
      types.add(type);
    }
    return List.copyOf(types);
  }

  /** The verdict for pulling {@code ref} from a registry, by the most specific matching scope. */
  public Verdict evaluate(ImageReference ref) {
    String scope = scopeFor(ref);
    List<String> requirements = scope == null ? defaultRequirements : dockerScopes.get(scope);
    String where = scope == null ? "the policy's default" : "scope '" + scope + "'";
    for (String type : requirements) {
      switch (type) {
        case "insecureAcceptAnything" -> {}
        case "reject" -> {
          return new Verdict.Refused(where + " rejects " + ref);
        }
        case "signedBy", "sigstoreSigned" -> {
          return new Verdict.Refused(
              where
                  + " requires a "
                  + type
                  + " signature for "
                  + ref
                  + ", and Caisson does not verify signatures");
        }
        default -> {
          return new Verdict.Refused(
              where + " has a requirement of type '" + type + "', which Caisson does not know");
        }
      }
    }
    return new Verdict.Accepted();
  }

  /**
   * The docker scope that applies, most specific first: the name with its tag or digest, the
   * repository, each enclosing namespace up to the registry, a wildcard for the registry's parent
   * domains ({@code *.example.com}), then the transport's own default ({@code ""}); null when none
   * does (the policy's default applies).
   */
  String scopeFor(ImageReference ref) {
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
    candidates.add("");
    return candidates.stream().filter(dockerScopes::containsKey).findFirst().orElse(null);
  }
}
