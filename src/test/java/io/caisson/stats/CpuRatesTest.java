package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CpuRatesTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private static CgroupSample at(long nanos, long cpuNanos) {
    return new CgroupSample(nanos, cpuNanos, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void theFirstSampleHasNoRateThenItIsTheSlope() {
    CpuRates rates = new CpuRates();
    assertThat(rates.nanoCores("c", at(SECOND, 0))).as("unset, not 0: not idle").isEmpty();
    assertThat(rates.nanoCores("c", at(3 * SECOND, SECOND))).hasValue(500_000_000L);
  }

  /**
   * A 0.2 CPU container runs in bursts: polled 20 ms apart, the counter moves 10 ms in one gap and
   * not at all in the next. Over the window those polls read 0.2 cores, not 0.5 then 0.
   */
  @Test
  void callsCloseTogetherMeasureOverAtLeastASecond() {
    CpuRates rates = new CpuRates();
    rates.nanoCores("c", at(0, 0));
    assertThat(rates.nanoCores("c", at(SECOND, 200 * MS))).hasValue(200_000_000L);
    assertThat(rates.nanoCores("c", at(SECOND + 20 * MS, 210 * MS)).orElseThrow())
        .isBetween(195_000_000L, 210_000_000L);
    assertThat(rates.nanoCores("c", at(SECOND + 40 * MS, 210 * MS)).orElseThrow())
        .isBetween(195_000_000L, 210_000_000L);
    // A second after the last baseline, that one becomes the base: still 0.2 cores.
    assertThat(rates.nanoCores("c", at(2 * SECOND, 400 * MS))).hasValue(200_000_000L);
    assertThat(rates.nanoCores("c", at(2 * SECOND + 20 * MS, 400 * MS)).orElseThrow())
        .isBetween(195_000_000L, 200_000_000L);
  }

  @Test
  void aCounterThatWentBackwardsStartsAgain() {
    CpuRates rates = new CpuRates();
    rates.nanoCores("c", at(SECOND, SECOND));
    // A new cgroup under the same id: no negative rate, and a first sample again.
    assertThat(rates.nanoCores("c", at(2 * SECOND, 10))).isEmpty();
    assertThat(rates.nanoCores("c", at(4 * SECOND, SECOND + 10))).hasValue(500_000_000L);
  }

  @Test
  void forgottenIdsStartAgain() {
    CpuRates rates = new CpuRates();
    rates.nanoCores("c", at(SECOND, 0));
    rates.retainOnly(java.util.Set.of("other"));
    assertThat(rates.nanoCores("c", at(5 * SECOND, SECOND))).isEqualTo(OptionalLong.empty());
  }
}
