package io.caisson.streaming;

import io.caisson.common.CaissonException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use, short-lived tokens naming pending streaming requests. The token is the only thing
 * that authorises a streaming connection (the server has no other authentication, like kubelet's),
 * so it is unguessable, can be taken once, and dies after {@link #DEFAULT_TTL}.
 */
public final class TokenRegistry {

  public static final Duration DEFAULT_TTL = Duration.ofMinutes(1);

  /** Bounds memory when a client requests URLs it never uses; kubelet caps at the same count. */
  static final int MAX_PENDING = 1000;

  private static final int TOKEN_BYTES = 18; // 144 bits, 24 URL-safe characters

  private record Pending(StreamRequest request, Instant expires) {}

  /**
   * Made by the first token, not with the registry: seeding it loads the JDK's security providers,
   * ~10 ms of the daemon's start-up that no call but exec, attach and port-forward needs.
   */
  private static final class Random {
    static final SecureRandom SOURCE = new SecureRandom();
  }

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
  private final Duration ttl;
  private final InstantSource clock;

  public TokenRegistry() {
    this(DEFAULT_TTL, InstantSource.system());
  }

  public TokenRegistry(Duration ttl, InstantSource clock) {
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Stores {@code req} and returns the fresh token that redeems it. */
  public String register(StreamRequest req) {
    Instant now = clock.instant();
    pending.values().removeIf(p -> !p.expires().isAfter(now));
    if (pending.size() >= MAX_PENDING) {
      throw new CaissonException(
          CaissonException.Kind.RESOURCE_EXHAUSTED,
          "too many pending streaming requests (%d)".formatted(MAX_PENDING));
    }
    byte[] bytes = new byte[TOKEN_BYTES];
    while (true) {
      Random.SOURCE.nextBytes(bytes);
      String token = encoder.encodeToString(bytes);
      if (pending.putIfAbsent(token, new Pending(req, now.plus(ttl))) == null) {
        return token;
      }
    }
  }

  /** Removes the token and returns its request, unless it is unknown, taken or expired. */
  public Optional<StreamRequest> take(String token) {
    if (token == null) {
      return Optional.empty();
    }
    Pending p = pending.remove(token);
    if (p == null || !p.expires().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(p.request());
  }

  int size() {
    return pending.size();
  }
}
