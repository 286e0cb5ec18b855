package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to one registry endpoint for one pull. Tokens obtained here live only in this object, so no
 * other pull (with other or no credentials) can reuse them. Credentials and tokens are never logged
 * or put into exception messages.
 */
final class RegistrySession {
  private static final Logger log = LoggerFactory.getLogger(RegistrySession.class);
  private static final int MAX_MANIFEST = 4 << 20;
  private static final int MAX_TOKEN_REDIRECTS = 5;
  private static final Pattern PARAM =
      Pattern.compile("([A-Za-z_]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,]+))");

  static final String ACCEPT_MANIFESTS =
      String.join(
          ", ",
          Manifests.OCI_MANIFEST,
          Manifests.OCI_INDEX,
          Manifests.DOCKER_MANIFEST,
          Manifests.DOCKER_LIST);

  /** A manifest's bytes, verified against the digest asked for (or hashed when by tag). */
  record FetchedManifest(String mediaType, byte[] body, Digest digest) {}

  private static final java.time.Duration TLS_PROBE_TIMEOUT = java.time.Duration.ofMillis(500);

  private final Function<RegistryEndpoint, HttpClient> clients;
  // Both change once when an insecure endpoint turns out to speak plain http.
  private volatile HttpClient http;
  private volatile RegistryEndpoint endpoint;
  private volatile boolean schemeSettled;
  private final Credentials credentials;
  private final StallWatchdog watchdog;
  private final LongAdder progress;
  private volatile String authorization;
  private volatile Boolean signatureExtension;

  /**
   * @param clients the client to talk to an endpoint with ({@link RegistryClients#forEndpoint})
   */
  RegistrySession(
      Function<RegistryEndpoint, HttpClient> clients,
      RegistryEndpoint endpoint,
      Credentials credentials,
      StallWatchdog watchdog,
      LongAdder progress) {
    this.clients = clients;
    RegistryEndpoint start = endpoint;
    if (endpoint.insecure()
        && "https".equals(endpoint.baseUri().getScheme())
        && TlsProbe.of(endpoint.baseUri(), TLS_PROBE_TIMEOUT) == TlsProbe.Answer.PLAIN) {
      // An insecure registry that does not speak TLS: plain http from the start, as the failed
      // https attempt would have led to, without building a TLS client for it.
      start = endpoint.overHttp();
    }
    this.http = clients.apply(start);
    this.endpoint = start;
    this.credentials = credentials;
    this.watchdog = watchdog;
    this.progress = progress;
  }

  RegistryEndpoint endpoint() {
    return endpoint;
  }

  /** GETs a manifest by tag or digest; when {@code expected} is set the body must hash to it. */
  FetchedManifest manifest(String reference, Digest expected) {
    URI uri = api("/manifests/" + reference);
    HttpResponse<InputStream> resp = get(uri, ACCEPT_MANIFESTS);
    byte[] body;
    try (InputStream in = watchdog.guard(resp.body(), uri.toString(), progress)) {
      body = in.readNBytes(MAX_MANIFEST + 1);
    } catch (IOException e) {
      throw transferFailure("manifest " + reference, e);
    }
    if (body.length > MAX_MANIFEST) {
      throw CaissonException.invalid("manifest %s at %s is larger than 4 MiB", reference, endpoint);
    }
    Digest actual = Digest.sha256(body);
    if (expected != null) {
      if (!expected.algorithm().equals("sha256")) {
        var md = expected.newHasher();
        md.update(body);
        if (!expected.matches(md)) {
          throw mismatch("manifest " + reference, expected);
        }
        actual = expected;
      } else if (!actual.equals(expected)) {
        throw mismatch("manifest " + reference, expected);
      }
    }
    String contentType = resp.headers().firstValue("Content-Type").orElse("");
    int semi = contentType.indexOf(';');
    if (semi >= 0) {
      contentType = contentType.substring(0, semi);
    }
    return new FetchedManifest(contentType.trim(), body, actual);
  }

  /** GETs a blob; the caller verifies size and digest while reading. */
  InputStream blob(Digest digest) {
    URI uri = api("/blobs/" + digest);
    HttpResponse<InputStream> resp = get(uri, "*/*");
    return watchdog.guard(resp.body(), uri.toString(), progress);
  }

  /**
   * Whether the registry serves GPG signatures through its own API, the {@code
   * X-Registry-Supports-Signatures} extension OpenShift's registry has: its answer to {@code GET
   * /v2/} says so, authorized or not. Asked once per session.
   */
  boolean supportsSignatureExtension() {
    Boolean known = signatureExtension;
    if (known == null) {
      URI uri = URI.create(endpoint.baseUri() + "/v2/");
      HttpResponse<InputStream> resp =
          send(HttpRequest.newBuilder(uri).GET().timeout(watchdog.timeout()).build(), uri);
      known = resp.headers().firstValue("X-Registry-Supports-Signatures").orElse("").equals("1");
      discard(resp);
      signatureExtension = known;
    }
    return known;
  }

  /** The signature extension's list for {@code manifest}, as a JSON body of at most max bytes. */
  byte[] extensionSignatures(Digest manifest, int max) {
    URI uri =
        URI.create(
            endpoint.baseUri()
                + "/extensions/v2/"
                + endpoint.repository()
                + "/signatures/"
                + manifest);
    HttpResponse<InputStream> resp;
    try {
      resp = get(uri, "application/json");
    } catch (CaissonException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        throw CaissonException.precondition(
            "%s advertises its signature extension but has no signature list for %s",
            endpoint, manifest);
      }
      throw e;
    }
    try (InputStream in = watchdog.guard(resp.body(), uri.toString(), progress)) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw CaissonException.precondition(
            "the signatures of %s at %s are larger than %d MiB", manifest, endpoint, max >> 20);
      }
      return body;
    } catch (IOException e) {
      throw transferFailure("signatures of " + manifest, e);
    }
  }

  private URI api(String suffix) {
    return URI.create(endpoint.baseUri() + "/v2/" + endpoint.repository() + suffix);
  }

  private HttpResponse<InputStream> get(URI start, String accept) {
    URI uri = start;
    boolean authenticated = false;
    for (int hop = 0; hop < 8; hop++) {
      boolean sameHost = sameOrigin(uri, endpoint.baseUri());
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri).GET().timeout(watchdog.timeout()).header("Accept", accept);
      String auth = authorization;
      if (auth != null && sameHost) {
        b.header("Authorization", auth);
      }
      HttpResponse<InputStream> resp = send(b.build(), uri);
      uri = resp.request().uri(); // over http, when the endpoint turned out to have no TLS
      int status = resp.statusCode();
      if (status == 401 && sameHost && !authenticated) {
        String challenge = resp.headers().firstValue("WWW-Authenticate").orElse("");
        discard(resp);
        authenticate(challenge);
        authenticated = true;
        continue;
      }
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        String location = resp.headers().firstValue("Location").orElse(null);
        discard(resp);
        if (location == null) {
          throw new CaissonException(
              Kind.UNAVAILABLE, "redirect without Location from " + redact(uri));
        }
        uri = uri.resolve(location);
        continue;
      }
      if (status >= 200 && status < 300) {
        return resp;
      }
      String detail = errorText(resp);
      switch (status) {
        case 401, 403 ->
            throw CaissonException.precondition(
                "pull access denied for %s (HTTP %d)%s%s",
                endpoint,
                status,
                credentials.isEmpty() ? ", no credentials given" : ", credentials rejected",
                detail);
        case 404 ->
            throw CaissonException.notFound("%s not found at %s%s", what(uri), endpoint, detail);
        default ->
            throw new CaissonException(
                Kind.UNAVAILABLE,
                "registry %s answered HTTP %d for %s%s"
                    .formatted(endpoint, status, what(uri), detail));
      }
    }
    throw new CaissonException(Kind.UNAVAILABLE, "too many redirects from " + redact(start));
  }

  private HttpResponse<InputStream> send(HttpRequest request, URI uri) {
    HttpClient client = http;
    try {
      HttpResponse<InputStream> resp =
          client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (!schemeSettled && sameOrigin(request.uri(), endpoint.baseUri())) {
        schemeSettled = true; // it answered: a later failure is a failure, not a lack of TLS
      }
      return resp;
    } catch (HttpTimeoutException e) {
      throw new CaissonException(
          Kind.DEADLINE_EXCEEDED,
          "no response from %s within %s; pull cancelled"
              .formatted(redact(uri), StallWatchdog.pretty(watchdog.timeout())),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaissonException(Kind.UNAVAILABLE, "pull interrupted", e);
    } catch (IOException e) {
      URI plain = plainHttpFallback(request.uri(), e);
      if (plain != null) {
        return send(
            HttpRequest.newBuilder(request, (name, value) -> true).uri(plain).build(), plain);
      }
      throw new CaissonException(
          Kind.UNAVAILABLE, "cannot reach registry at %s: %s".formatted(redact(uri), e), e);
    }
  }

  /**
   * For a request to an insecure endpoint over https that failed before it ever answered over https
   * (no TLS there, a refused connection): the same request over plain http, where the session talks
   * from now on, as containers-registries.conf(5) lets an insecure registry speak unencrypted. Null
   * otherwise.
   */
  private synchronized URI plainHttpFallback(URI failed, IOException e) {
    RegistryEndpoint ep = endpoint;
    if (!ep.insecure() || !"https".equalsIgnoreCase(failed.getScheme())) {
      return null;
    }
    URI secure = ep.baseUri();
    if ("https".equals(secure.getScheme())) {
      if (schemeSettled || !sameOrigin(failed, secure)) {
        return null;
      }
      log.info("{}: https failed ({}); insecure, so plain http for this pull", ep, e.toString());
      endpoint = ep.overHttp();
      http = clients.apply(endpoint);
    } else if (!sameOrigin(failed, ep.overHttps().baseUri())) {
      return null; // another thread fell back already; a request begun before goes over http too
    }
    return URI.create(
        "http://"
            + failed.getRawAuthority()
            + failed.getRawPath()
            + (failed.getRawQuery() == null ? "" : "?" + failed.getRawQuery()));
  }

  /** Answers a 401 challenge; Basic uses the credentials, Bearer obtains a token for this pull. */
  private void authenticate(String challenge) {
    int space = challenge.indexOf(' ');
    String scheme = (space < 0 ? challenge : challenge.substring(0, space)).trim();
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(space < 0 ? "" : challenge.substring(space + 1));
    while (m.find()) {
      params.put(
          m.group(1).toLowerCase(),
          m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3));
    }
    Credentials.UserPass up = credentials.userPass();
    if (scheme.equalsIgnoreCase("basic")) {
      if (up == null) {
        throw CaissonException.precondition(
            "registry %s requires authentication and no credentials were given", endpoint);
      }
      authorization = up.basicHeader();
      return;
    }
    if (!scheme.equalsIgnoreCase("bearer")) {
      throw CaissonException.precondition(
          "registry %s asks for unsupported authentication scheme '%s'", endpoint, scheme);
    }
    if (credentials.registryToken() != null && !credentials.registryToken().isEmpty()) {
      authorization = "Bearer " + credentials.registryToken();
      return;
    }
    String realm = params.get("realm");
    if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
      throw CaissonException.precondition(
          "registry %s sent a bearer challenge without a usable realm", endpoint);
    }
    String scope = params.getOrDefault("scope", "repository:" + endpoint.repository() + ":pull");
    String service = params.get("service");
    authorization = "Bearer " + fetchToken(URI.create(realm), service, scope, up);
  }

  private String fetchToken(URI realm, String service, String scope, Credentials.UserPass up) {
    String identityToken = credentials.identityToken();
    boolean refresh = identityToken != null && !identityToken.isEmpty();
    URI uri;
    String form = null;
    if (refresh) {
      // OAuth2 refresh-token grant, as docker login's identity tokens expect.
      StringBuilder f = new StringBuilder("grant_type=refresh_token&client_id=caisson");
      f.append("&refresh_token=").append(enc(identityToken)).append("&scope=").append(enc(scope));
      if (service != null) {
        f.append("&service=").append(enc(service));
      }
      form = f.toString();
      uri = realm;
    } else {
      StringBuilder query =
          new StringBuilder(realm.getRawQuery() == null ? "" : realm.getRawQuery());
      if (service != null) {
        query.append(query.isEmpty() ? "" : "&").append("service=").append(enc(service));
      }
      for (String s : scope.split(" ")) {
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(enc(s));
      }
      String base = realm.toString();
      int q = base.indexOf('?');
      uri = URI.create((q < 0 ? base : base.substring(0, q)) + "?" + query);
    }
    boolean credentialsGiven = refresh || up != null;
    boolean sendCredentials = true;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(watchdog.timeout());
      if (refresh) {
        b.header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
      } else {
        b.GET();
        if (up != null && sendCredentials) {
          b.header("Authorization", up.basicHeader());
        }
      }
      HttpResponse<InputStream> resp = send(b.build(), uri);
      int status = resp.statusCode();
      if (isRedirect(status) && (!refresh || status == 307 || status == 308)) {
        // Token services behind a load balancer or moved to a new name redirect; the client
        // follows no redirect itself, so each hop is checked here.
        String location = resp.headers().firstValue("Location").orElse(null);
        discard(resp);
        URI next = location == null ? null : redirectTarget(uri, location);
        if (next == null || hop >= MAX_TOKEN_REDIRECTS) {
          throw CaissonException.precondition(
              "token service %s answered HTTP %d %s",
              redact(realm),
              status,
              next == null
                  ? "without a usable Location"
                  : "again after %d redirects".formatted(MAX_TOKEN_REDIRECTS));
        }
        if (!sameOrigin(next, uri)) {
          if (refresh) {
            // The refresh token is the request's body: it cannot go without it.
            throw CaissonException.precondition(
                "token service %s redirected the identity token request to %s, another host:"
                    + " not followed, so the identity token stays with its service",
                redact(realm), redact(next));
          }
          sendCredentials = false;
        }
        uri = next;
        continue;
      }
      if (status != 200) {
        throw tokenFailure(
            realm, scope, status, errorText(resp), credentialsGiven, sendCredentials);
      }
      try (InputStream in = watchdog.guard(resp.body(), redact(realm), new LongAdder())) {
        JsonValue json = Json.parse(in.readNBytes(1 << 20));
        String token = json.path("token").asText("");
        if (token.isEmpty()) {
          token = json.path("access_token").asText("");
        }
        if (token.isEmpty()) {
          throw CaissonException.precondition("token service %s returned no token", redact(realm));
        }
        log.debug("obtained a bearer token for {} from {}", scope, redact(realm));
        return token;
      } catch (IOException e) {
        throw transferFailure("token from " + redact(realm), e);
      }
    }
  }

  /** Says what went wrong: the status, and credentials only when they are the likely cause. */
  private static CaissonException tokenFailure(
      URI realm, String scope, int status, String detail, boolean given, boolean sent) {
    String what =
        "token service %s refused a token for %s (HTTP %d)".formatted(redact(realm), scope, status);
    if (status == 401 || status == 403) {
      String why =
          !given
              ? ", no credentials given"
              : !sent
                  ? ", credentials not sent: it redirected the request to another host"
                  : ", credentials rejected";
      return CaissonException.precondition("%s%s%s", what, why, detail);
    }
    // The service itself failing (a 5xx, throttling) may pass; anything else is its answer.
    Kind kind = status >= 500 || status == 429 ? Kind.UNAVAILABLE : Kind.FAILED_PRECONDITION;
    return new CaissonException(kind, what + detail);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Where a Location header points, resolved against the request; null for no http(s) URL. */
  private static URI redirectTarget(URI from, String location) {
    try {
      URI next = from.resolve(location);
      String scheme = next.getScheme();
      boolean web = "https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme);
      return web && next.getHost() != null ? next : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static CaissonException transferFailure(String what, IOException e) {
    if (e instanceof StallWatchdog.StallException) {
      return new CaissonException(Kind.DEADLINE_EXCEEDED, what + ": " + e.getMessage(), e);
    }
    if (e instanceof InterruptedIOException) {
      return new CaissonException(Kind.UNAVAILABLE, what + ": transfer interrupted", e);
    }
    return new CaissonException(Kind.UNAVAILABLE, what + ": transfer failed: " + e, e);
  }

  private CaissonException mismatch(String what, Digest expected) {
    return CaissonException.precondition(
        "%s from %s does not match its digest %s", what, endpoint, expected);
  }

  private static String what(URI uri) {
    String path = uri.getPath();
    int i = path.lastIndexOf("/manifests/");
    if (i >= 0) {
      return "manifest " + path.substring(i + 11);
    }
    i = path.lastIndexOf("/blobs/");
    return i >= 0 ? "blob " + path.substring(i + 7) : path;
  }

  private static String errorText(HttpResponse<InputStream> resp) {
    try (InputStream in = resp.body()) {
      String text = new String(in.readNBytes(300), StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "" : ": " + text.replaceAll("\\s+", " ");
    } catch (IOException e) {
      return "";
    }
  }

  private static void discard(HttpResponse<InputStream> resp) {
    try (InputStream in = resp.body()) {
      in.skip(1 << 16);
    } catch (IOException ignored) {
      // the connection is dropped instead of reused
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && a.getPort() == b.getPort();
  }

  /** The URI without query (pre-signed redirect URLs carry secrets there). */
  static String redact(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
