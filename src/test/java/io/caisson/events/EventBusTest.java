package io.caisson.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventBusTest {
  @Test
  void everySubscriberGetsEveryEventInOrder() throws Exception {
    EventBus<Integer> bus = new EventBus<>(16);
    var a = bus.subscribe();
    var b = bus.subscribe();
    for (int i = 0; i < 10; i++) {
      int n = i;
      bus.publish(() -> n);
    }
    for (var s : new EventBus.Subscription[] {a, b}) {
      for (int i = 0; i < 10; i++) {
        assertThat(s.take(1, TimeUnit.SECONDS)).isEqualTo(i);
      }
      assertThat(s.take(10, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void eventsAreBuiltOnceAndOnlyWhenSomeoneListens() {
    EventBus<Integer> bus = new EventBus<>(4);
    AtomicInteger built = new AtomicInteger();
    bus.publish(built::incrementAndGet);
    assertThat(built).hasValue(0);
    bus.subscribe();
    bus.subscribe();
    bus.publish(built::incrementAndGet);
    assertThat(built).hasValue(1);
  }

  @Test
  void aSubscriberThatFallsBehindIsCutOffNotThinnedAndOthersCarryOn() throws Exception {
    EventBus<Integer> bus = new EventBus<>(2);
    var slow = bus.subscribe();
    var fast = bus.subscribe();
    for (int i = 0; i < 5; i++) {
      int n = i;
      long started = System.nanoTime();
      bus.publish(() -> n);
      assertThat(System.nanoTime() - started).as("publish never waits").isLessThan(50_000_000L);
      assertThat(fast.take(1, TimeUnit.SECONDS)).isEqualTo(i);
    }
    assertThat(slow.isOverflowed()).isTrue();
    assertThatThrownBy(() -> slow.take(1, TimeUnit.SECONDS))
        .isInstanceOf(EventBus.Overflow.class)
        .hasMessageContaining("2 events were queued unread");
    assertThat(bus.subscriberCount()).isEqualTo(1);
  }

  @Test
  void closingUnsubscribes() throws Exception {
    EventBus<Integer> bus = new EventBus<>(2);
    var s = bus.subscribe();
    s.close();
    s.close();
    bus.publish(() -> 1);
    assertThat(bus.hasSubscribers()).isFalse();
    assertThat(s.take(10, TimeUnit.MILLISECONDS)).isNull();
  }
}
