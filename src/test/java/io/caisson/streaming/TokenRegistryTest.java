package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokenRegistryTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final TokenRegistry tokens = new TokenRegistry(Duration.ofMinutes(1), now::get);
  private final StreamRequest exec =
      new StreamRequest.Exec("c", List.of("sh"), false, false, true, true);

  @Test
  void tokenIsTakenOnce() {
    String token = tokens.register(exec);
    assertThat(token).matches("[A-Za-z0-9_-]{24}");
    assertThat(tokens.take(token)).contains(exec);
    assertThat(tokens.take(token)).isEmpty();
    assertThat(tokens.take("nope")).isEmpty();
  }

  @Test
  void tokenExpiresAfterItsTtl() {
    String fresh = tokens.register(exec);
    String old = tokens.register(exec);
    now.set(now.get().plusSeconds(59));
    assertThat(tokens.take(fresh)).isPresent();
    now.set(now.get().plusSeconds(1));
    assertThat(tokens.take(old)).isEmpty();
  }

  @Test
  void tokensAreDistinctAndExpiredOnesAreSwept() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      assertThat(seen.add(tokens.register(exec))).isTrue();
    }
    now.set(now.get().plusSeconds(61));
    tokens.register(exec);
    assertThat(tokens.size()).isEqualTo(1);
  }

  @Test
  void pendingTokensAreBounded() {
    for (int i = 0; i < TokenRegistry.MAX_PENDING; i++) {
      tokens.register(exec);
    }
    assertThatThrownBy(() -> tokens.register(exec))
        .isInstanceOf(CaissonException.class)
        .extracting(e -> ((CaissonException) e).kind())
        .isEqualTo(CaissonException.Kind.RESOURCE_EXHAUSTED);
  }

  @Test
  void requestsAreValidatedLikeKubelet() {
    assertThatThrownBy(() -> new StreamRequest.Exec("c", List.of("sh"), true, true, true, true))
        .hasMessageContaining("tty and stderr");
    assertThatThrownBy(() -> new StreamRequest.Attach("c", false, false, false, false))
        .hasMessageContaining("one of stdin, stdout or stderr");
    assertThatThrownBy(() -> new StreamRequest.Exec("c", List.of(), false, true, true, false))
        .hasMessageContaining("cmd is empty");
    assertThatThrownBy(() -> new StreamRequest.PortForward("p", List.of(0)))
        .hasMessageContaining("invalid port 0");
  }
}
