package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FilePageTrimmerTest {
  private static final long MIB = 1 << 20;
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong resident = new AtomicLong(60 * MIB);
  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger pageOuts = new AtomicInteger();
  // A page-out leaves 5 MiB resident; the working set comes back by the next check.
  private final FilePageTrimmer trimmer =
      new FilePageTrimmer(
          resident::get,
          () -> {
            pageOuts.incrementAndGet();
            resident.set(5 * MIB);
          },
          clock::get);

  @Test
  void theFirstCheckPagesOutWhatStartUpTouched() {
    assertThat(trimmer.check()).isTrue();
    assertThat(pageOuts).hasValue(1);
  }

  @Test
  void theWorkingSetThatComesBackIsNotPagedOutAgain() {
    trimmer.check();
    resident.set(20 * MIB);
    for (int i = 1; i <= 20; i++) {
      clock.set(i * 30 * SECOND);
      assertThat(trimmer.check()).isFalse();
    }
    assertThat(pageOuts).hasValue(1);
  }

  @Test
  void growthOverTheSettledSizePagesOutOnceTheIntervalHasPassed() {
    trimmer.check();
    clock.set(30 * SECOND);
    resident.set(20 * MIB);
    assertThat(trimmer.check()).isFalse(); // the settled size: 20 MiB
    clock.set(40 * SECOND);
    resident.set(20 * MIB + FilePageTrimmer.GROWTH);
    assertThat(trimmer.check()).isFalse(); // too soon after the last one
    clock.set(FilePageTrimmer.MIN_INTERVAL.toNanos());
    assertThat(trimmer.check()).isTrue();
    assertThat(pageOuts).hasValue(2);
  }

  @Test
  void growthBelowTheThresholdIsLeftAlone() {
    trimmer.check();
    clock.set(30 * SECOND);
    resident.set(20 * MIB);
    trimmer.check();
    clock.set(10 * FilePageTrimmer.MIN_INTERVAL.toNanos());
    resident.set(20 * MIB + FilePageTrimmer.GROWTH - 1);
    assertThat(trimmer.check()).isFalse();
  }

  @Test
  void aSmallerResidentSizeLowersTheBaseline() {
    trimmer.check();
    clock.set(30 * SECOND);
    resident.set(20 * MIB);
    trimmer.check();
    clock.set(60 * SECOND);
    resident.set(12 * MIB); // the kernel reclaimed some under pressure
    assertThat(trimmer.check()).isFalse();
    clock.set(10 * FilePageTrimmer.MIN_INTERVAL.toNanos());
    resident.set(12 * MIB + FilePageTrimmer.GROWTH);
    assertThat(trimmer.check()).isTrue();
  }
}
