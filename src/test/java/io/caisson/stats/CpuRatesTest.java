package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuRatesTest {
  @Test
  void cpuRateIsTheSlopeBetweenSamples() {
    CpuRates rates = new CpuRates();
    assertThat(
            rates.nanoCores("c", new CgroupSample(1_000_000_000L, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        .isZero();
    assertThat(
            rates.nanoCores(
                "c",
                new CgroupSample(3_000_000_000L, 1_000_000_000L, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        .isEqualTo(500_000_000L);
    // A counter that went backwards (a new cgroup under the same id) gives 0, not a negative rate.
    assertThat(
            rates.nanoCores(
                "c", new CgroupSample(4_000_000_000L, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        .isZero();
    rates.retainOnly(java.util.Set.of("other"));
    assertThat(
            rates.nanoCores(
                "c",
                new CgroupSample(5_000_000_000L, 1_000_000_000L, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        .as("forgotten, so this is a first sample again")
        .isZero();
  }
}
