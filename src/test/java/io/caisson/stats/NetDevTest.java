package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NetDevTest {
  @Test
  void parsesReceiveAndTransmitColumns() {
    String text =
        """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
          eth0:   90123     811    3    5    0     0          0         1    12045     120    7    4    0     0       0          0
        """;
    assertThat(NetDev.parse(text))
        .containsExactly(
            new NetDev.Counters("lo", 140, 0, 140, 0, 2, 0, 2, 0),
            new NetDev.Counters("eth0", 90123, 3, 12045, 7, 811, 5, 120, 4));
  }
}
