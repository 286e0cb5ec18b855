package io.caisson.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CheckpointDeadlineTest {
  @Test
  void zeroIsTheCriDefaultAndNoTimeoutOverflows() {
    assertThat(CheckpointDeadline.of(0, null, () -> false).timeout())
        .isEqualTo(CheckpointDeadline.DEFAULT);
    // Long.MAX_VALUE seconds was an INTERNAL ArithmeticException (long overflow).
    CheckpointDeadline endless = CheckpointDeadline.of(Long.MAX_VALUE, null, () -> false);
    assertThat(endless.timeout()).isEqualTo(CheckpointDeadline.LONGEST);
    assertThat(endless.remaining()).isPositive().isLessThanOrEqualTo(CheckpointDeadline.LONGEST);
    assertThat(CheckpointDeadline.of(30, null, () -> false).timeout())
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void theCallersDeadlineWinsWhenItIsSooner() {
    Duration left = Duration.ofMillis(1900);
    assertThat(CheckpointDeadline.of(30, left, () -> false).timeout()).isEqualTo(left);
    assertThat(CheckpointDeadline.of(0, left, () -> false).timeout()).isEqualTo(left);
    assertThat(CheckpointDeadline.of(1, left, () -> false).timeout())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aNegativeTimeoutIsRefused() {
    assertThatThrownBy(() -> CheckpointDeadline.of(-1, null, () -> false))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.INVALID_ARGUMENT));
  }

  @Test
  void aPassedDeadlineOrACancelledCallStopsTheNextStep() {
    AtomicBoolean cancelled = new AtomicBoolean();
    CheckpointDeadline deadline = CheckpointDeadline.of(30, null, cancelled::get);
    deadline.check("c0ffee", "the dump");
    cancelled.set(true);
    assertThatThrownBy(() -> deadline.check("c0ffee", "the dump"))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CaissonException.Kind.DEADLINE_EXCEEDED);
              assertThat(e.getMessage()).contains("cancelled").contains("the dump");
            });
    CheckpointDeadline passed = CheckpointDeadline.of(30, Duration.ZERO, () -> false);
    assertThat(passed.remaining()).isZero();
    assertThatThrownBy(() -> passed.check("c0ffee", "the archive was written"))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> assertThat(e.kind()).isEqualTo(CaissonException.Kind.DEADLINE_EXCEEDED));
  }
}
