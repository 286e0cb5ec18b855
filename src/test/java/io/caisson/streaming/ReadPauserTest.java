package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Read pausing on a real channel whose event loop runs only when told, so the order in which the
 * pipes' notices reach it can be chosen.
 */
class ReadPauserTest {

  private static final int SIZE = InboundPipe.LIMIT + 1; // just past the backlog limit

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final AtomicInteger probes = new AtomicInteger();
  private final ReadPauser pauser = new ReadPauser(channel, probes::incrementAndGet);

  @Test
  void aFullPipePausesReadingUntilItDrains() {
    InboundPipe pipe = new InboundPipe(forwarding());
    fill(pipe);
    channel.runPendingTasks();
    assertThat(channel.config().isAutoRead()).isFalse();

    drain(pipe);
    channel.runPendingTasks();
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  @Test
  void readingResumesOnlyWhenEveryPipeDrained() {
    InboundPipe a = new InboundPipe(forwarding());
    InboundPipe b = new InboundPipe(forwarding());
    fill(a);
    fill(b);
    drain(a);
    channel.runPendingTasks();
    assertThat(channel.config().isAutoRead()).isFalse();
    b.close();
    channel.runPendingTasks();
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  /**
   * The consumer drains the pipe between the moment it became full and the moment the event loop
   * hears of it, so the notice that it drained arrives first: reading must not stay paused.
   */
  @Test
  void aDrainNoticedBeforeTheFullnessLeavesReadingOn() {
    boolean[] raced = new boolean[1];
    InboundPipe pipe =
        new InboundPipe(
            new InboundPipe.Listener() {
              @Override
              public void consumed(InboundPipe p, int n) {}

              @Override
              public void backlogChanged(InboundPipe p) {
                if (p.backlogged() && !raced[0]) {
                  raced[0] = true;
                  drain(p); // its notice is posted before the one for the pipe being full
                }
                pauser.update(p);
              }
            });
    fill(pipe);
    channel.runPendingTasks();
    assertThat(raced[0]).isTrue();
    assertThat(channel.config().isAutoRead()).as("paused with an empty pipe").isTrue();
  }

  /** A paused connection reads nothing, so only a write can find out that the client is gone. */
  @Test
  void aPausedConnectionIsProbedUntilItResumes() {
    InboundPipe pipe = new InboundPipe(forwarding());
    fill(pipe);
    channel.runPendingTasks();
    assertThat(probes).hasValue(0);
    channel.advanceTimeBy(ReadPauser.PROBE_SECONDS, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(probes).hasValue(1);
    channel.advanceTimeBy(ReadPauser.PROBE_SECONDS, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(probes).hasValue(2);

    drain(pipe);
    channel.runPendingTasks();
    channel.advanceTimeBy(3 * ReadPauser.PROBE_SECONDS, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(probes).as("no probes once reading again").hasValue(2);
  }

  private InboundPipe.Listener forwarding() {
    return new InboundPipe.Listener() {
      @Override
      public void consumed(InboundPipe p, int n) {}

      @Override
      public void backlogChanged(InboundPipe p) {
        pauser.update(p);
      }
    };
  }

  /** Reads what {@link #fill} put in, as the pipe's consumer would. */
  private static void drain(InboundPipe pipe) {
    try {
      pipe.readNBytes(SIZE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void fill(InboundPipe pipe) {
    pipe.offer(Unpooled.wrappedBuffer(new byte[SIZE]));
  }
}
