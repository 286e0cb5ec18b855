package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfAnOddCountIsTheMiddleSample() {
    assertThat(Stats.summarize(List.of(9.0, 1.0, 5.0)).median()).isEqualTo(5.0);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleSamples() {
    assertThat(Stats.summarize(List.of(4.0, 1.0, 3.0, 2.0)).median()).isEqualTo(2.5);
  }

  @Test
  void p90IsTheNearestRankSample() {
    List<Double> ten = List.of(10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0);
    assertThat(Stats.summarize(ten).p90()).isEqualTo(9.0);
    List<Double> twenty = new java.util.ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      twenty.add((double) i);
    }
    assertThat(Stats.summarize(twenty).p90()).isEqualTo(18.0);
    // 11 samples: rank ceil(9.9) = 10.
    List<Double> eleven = new java.util.ArrayList<>(twenty.subList(0, 11));
    assertThat(Stats.summarize(eleven).p90()).isEqualTo(10.0);
  }

  @Test
  void aSingleSampleIsEveryStatistic() {
    Stats.Summary s = Stats.summarize(List.of(3.5));
    assertThat(s).isEqualTo(new Stats.Summary(1, 3.5, 3.5, 3.5, 3.5));
  }

  @Test
  void minAndMaxAndCount() {
    Stats.Summary s = Stats.summarize(List.of(2.0, 8.0, 5.0, 1.0));
    assertThat(s.min()).isEqualTo(1.0);
    assertThat(s.max()).isEqualTo(8.0);
    assertThat(s.count()).isEqualTo(4);
  }

  @Test
  void noSamplesIsAnError() {
    assertThatThrownBy(() -> Stats.summarize(List.of())).hasMessageContaining("no samples");
  }

  @Test
  void percentileOutsideTheRangeIsAnError() {
    assertThatThrownBy(() -> Stats.percentile(List.of(1.0), 0)).hasMessageContaining("0");
  }

  @Test
  void slopeOfALine() {
    assertThat(Stats.slope(List.of(0.0, 1.0, 2.0), List.of(10.0, 12.0, 14.0))).isEqualTo(2.0);
    assertThat(Stats.slope(List.of(1.0), List.of(1.0))).isZero();
  }
}
