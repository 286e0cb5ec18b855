package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UsageCacheTest {
  /** A clock the test moves. */
  private static final class Clock implements InstantSource {
    Instant now = Instant.parse("2026-11-20T10:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final Clock clock = new Clock();
  private final AtomicInteger walks = new AtomicInteger();
  private final UsageCache<String, Integer> cache =
      new UsageCache<>(Duration.ofSeconds(10), clock, key -> walks.incrementAndGet());

  @Test
  void aReadingServesUntilItIsTooOld() throws Exception {
    UsageCache.Reading<Integer> first = cache.get("a");
    clock.now = clock.now.plusSeconds(9);
    assertThat(cache.get("a")).isEqualTo(first);
    assertThat(walks).hasValue(1);

    clock.now = clock.now.plusSeconds(1);
    UsageCache.Reading<Integer> second = cache.get("a");
    assertThat(second.value()).isEqualTo(2);
    assertThat(second.timestampNanos() - first.timestampNanos()).isEqualTo(10_000_000_000L);
  }

  @Test
  void aClockSetBackTakesTheReadingAgain() throws Exception {
    cache.get("a");
    clock.now = clock.now.minusSeconds(60);
    assertThat(cache.get("a").value()).isEqualTo(2);
  }

  @Test
  void forgottenAndUnlistedKeysAreWalkedAgainAndHeldNoLonger() throws Exception {
    cache.get("a");
    cache.get("b");
    cache.get("c");
    cache.forget("a");
    cache.retainOnly(Set.of("a", "b"));
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.get("b").value()).as("kept").isEqualTo(2);
    assertThat(cache.get("a").value()).as("forgotten").isEqualTo(4);
  }

  @Test
  void aTreeThatNeverChangesIsWalkedOnce() throws Exception {
    UsageCache<String, Integer> once = UsageCache.once(key -> walks.incrementAndGet());
    once.get("layer");
    once.get("layer");
    assertThat(walks).hasValue(1);
  }
}
