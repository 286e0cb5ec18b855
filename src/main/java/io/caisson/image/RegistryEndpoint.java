package io.caisson.image;

import java.net.URI;

/**
 * One place to pull a repository from: {@code baseUri} is {@code scheme://host[:port]}, {@code
 * host} is the registry host as written in the configuration (used to look up credentials), and
 * {@code repository} the path on that registry. {@code mirror} is false for the upstream or its
 * {@code location} rewrite, the only endpoint that receives credentials from the pull request.
 * {@code insecure} is registries.conf's: https whatever certificate the registry shows, and plain
 * http where it speaks no TLS at all ({@link #overHttp}).
 */
public record RegistryEndpoint(
    URI baseUri, String host, String repository, boolean mirror, boolean insecure) {

  /** An endpoint that verifies its registry's certificate. */
  public RegistryEndpoint(URI baseUri, String host, String repository, boolean mirror) {
    this(baseUri, host, repository, mirror, false);
  }

  /**
   * Builds an endpoint from {@code host[:port]/repo/path}. An insecure one starts with https (its
   * session falls back to http when no TLS answers), as CRI-O tries it; a loopback host is spoken
   * to in plain http otherwise.
   */
  static RegistryEndpoint of(String hostAndRepository, boolean insecure, boolean mirror) {
    int slash = hostAndRepository.indexOf('/');
    String host = slash < 0 ? hostAndRepository : hostAndRepository.substring(0, slash);
    String repository = slash < 0 ? "" : hostAndRepository.substring(slash + 1);
    String apiHost = host.equals(ImageReference.DEFAULT_REGISTRY) ? "registry-1.docker.io" : host;
    if (host.equals(ImageReference.DEFAULT_REGISTRY)
        && !repository.isEmpty()
        && !repository.contains("/")) {
      repository = "library/" + repository;
    }
    String scheme = !insecure && isLoopback(host) ? "http" : "https";
    return new RegistryEndpoint(
        URI.create(scheme + "://" + apiHost), host, repository, mirror, insecure);
  }

  /** The same registry over https. */
  RegistryEndpoint overHttps() {
    return new RegistryEndpoint(
        URI.create("https://" + baseUri.getRawAuthority()), host, repository, mirror, insecure);
  }

  /** The same registry over plain http. */
  RegistryEndpoint overHttp() {
    return new RegistryEndpoint(
        URI.create("http://" + baseUri.getRawAuthority()), host, repository, mirror, insecure);
  }

  static boolean isLoopback(String host) {
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host;
    int colon = name.startsWith("[") ? -1 : name.indexOf(':');
    if (colon >= 0) {
      name = name.substring(0, colon);
    }
    return name.equals("localhost") || name.startsWith("127.") || name.equals("[::1]");
  }

  @Override
  public String toString() {
    return baseUri + "/" + repository;
  }
}
