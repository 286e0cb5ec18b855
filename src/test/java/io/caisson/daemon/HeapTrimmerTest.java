package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapTrimmerTest {
  private static final long MIB = 1 << 20;

  private final AtomicLong committed = new AtomicLong(12 * MIB);
  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger collections = new AtomicInteger();
  // A collection here shrinks the heap to 14 MiB: what the burst left live, plus free room.
  private final HeapTrimmer trimmer =
      new HeapTrimmer(
          committed::get,
          () -> {
            collections.incrementAndGet();
            committed.set(14 * MIB);
          },
          clock::get);

  @Test
  void growthBelowTheThresholdIsLeftAlone() {
    committed.set(12 * MIB + HeapTrimmer.GROWTH - 1);
    assertThat(trimmer.check()).isFalse();
    assertThat(collections).hasValue(0);
  }

  @Test
  void aBurstsGrowthIsCollectedOnceAndTheNewSizeBecomesTheBaseline() {
    committed.set(42 * MIB);
    assertThat(trimmer.check()).isTrue();
    assertThat(committed.get()).isEqualTo(14 * MIB);
    // The heap stays where the collection left it: no collection again.
    assertThat(trimmer.check()).isFalse();
    committed.set(14 * MIB + HeapTrimmer.GROWTH);
    assertThat(trimmer.check()).isTrue();
    assertThat(collections).hasValue(2);
  }

  @Test
  void aHeapThatShrankByItselfLowersTheBaseline() {
    committed.set(8 * MIB);
    assertThat(trimmer.check()).isFalse();
    committed.set(8 * MIB + HeapTrimmer.GROWTH);
    assertThat(trimmer.check()).isTrue();
  }

  @Test
  void liveDataThatTrulyGrewIsCollectedOnlyOnceASettlePeriod() {
    HeapTrimmer grown =
        new HeapTrimmer(
            committed::get,
            () -> {
              collections.incrementAndGet(); // everything is live: nothing to give back
            },
            clock::get);
    committed.set(40 * MIB);
    assertThat(grown.check()).isTrue();
    assertThat(grown.check()).isFalse();
    clock.addAndGet(HeapTrimmer.SETTLE.toNanos() - 1);
    assertThat(grown.check()).isFalse();
    clock.addAndGet(1);
    assertThat(grown.check()).isTrue();
    assertThat(collections).hasValue(2);
  }

  @Test
  void aHeapLeftBigByPodsRemovedAfterTheirBurstIsCollectedOnceSettled() {
    // A burst of pods: collected while they live, which leaves the heap at their size.
    HeapTrimmer trimmerOfPods =
        new HeapTrimmer(
            committed::get,
            () -> {
              collections.incrementAndGet();
              committed.set(collections.get() == 1 ? 34 * MIB : 14 * MIB);
            },
            clock::get);
    committed.set(40 * MIB);
    assertThat(trimmerOfPods.check()).isTrue();
    assertThat(committed.get()).isEqualTo(34 * MIB);
    // The pods are removed: the heap does not grow, so only the settle period brings a collection.
    assertThat(trimmerOfPods.check()).isFalse();
    clock.addAndGet(HeapTrimmer.SETTLE.toNanos());
    assertThat(trimmerOfPods.check()).isTrue();
    assertThat(committed.get()).isEqualTo(14 * MIB);
    // Back near the floor: left alone however long it stays there.
    clock.addAndGet(HeapTrimmer.SETTLE.toNanos() * 10);
    assertThat(trimmerOfPods.check()).isFalse();
  }

  @Test
  void aSmallerGrowthIsCollectedOnceTheLastCollectionHasSettled() {
    committed.set(42 * MIB);
    assertThat(trimmer.check()).isTrue(); // baseline 14 MiB, floor 12 MiB
    committed.set(12 * MIB + HeapTrimmer.SETTLED_GROWTH);
    assertThat(trimmer.check()).isFalse();
    clock.addAndGet(HeapTrimmer.SETTLE.toNanos());
    assertThat(trimmer.check()).isTrue();
    // 14 MiB after it: within SETTLED_GROWTH of the floor, left alone however long.
    clock.addAndGet(HeapTrimmer.SETTLE.toNanos() * 10);
    assertThat(trimmer.check()).isFalse();
    assertThat(collections).hasValue(2);
  }
}
