package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.bench.Schedule.Turn;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  @Test
  void twoEndpointsAlternateEveryRound() {
    assertThat(Schedule.alternate(3, 2))
        .containsExactly(
            new Turn(0, 0),
            new Turn(0, 1),
            new Turn(1, 0),
            new Turn(1, 1),
            new Turn(2, 0),
            new Turn(2, 1));
  }

  @Test
  void neverTheSameEndpointTwiceInARow() {
    List<Turn> turns = Schedule.alternate(5, 2);
    for (int i = 1; i < turns.size(); i++) {
      assertThat(turns.get(i).endpoint()).isNotEqualTo(turns.get(i - 1).endpoint());
    }
    assertThat(turns.stream().filter(t -> t.endpoint() == 0)).hasSize(5);
    assertThat(turns.stream().filter(t -> t.endpoint() == 1)).hasSize(5);
  }

  @Test
  void oneEndpointRunsEveryRound() {
    assertThat(Schedule.alternate(2, 1)).containsExactly(new Turn(0, 0), new Turn(1, 0));
  }

  @Test
  void zeroRoundsIsAnError() {
    assertThatThrownBy(() -> Schedule.alternate(0, 2)).hasMessageContaining("at least one round");
  }
}
