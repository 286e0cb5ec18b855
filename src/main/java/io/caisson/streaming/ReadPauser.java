package io.caisson.streaming;

import io.netty.channel.Channel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Stops reading a connection while any of its {@link InboundPipe}s is backlogged, and starts again
 * once all drained. Pipes call in from the event loop and from consumer threads; auto-read is only
 * touched on the event loop, which looks at the pipe's backlog when it gets there rather than trust
 * the notice: a pipe that filled and drained at once may have its "drained" notice queued ahead of
 * its "full" one, and acting on them in that order would leave the connection paused for good.
 *
 * <p>A paused connection reads nothing, so it would not see the client's FIN or reset either: a
 * client killed meanwhile would keep its session, and an exec its process, forever. So while paused
 * the connection is probed every {@link #PROBE_SECONDS} with a protocol-level ping: the kernel of a
 * client that closed its socket answers data with a reset, and the next write fails and closes the
 * channel.
 */
final class ReadPauser {

  static final long PROBE_SECONDS = 5;

  private final Channel channel;
  private final Runnable probe;
  private final Set<InboundPipe> full = Collections.newSetFromMap(new IdentityHashMap<>());
  private Future<?> probing; // event loop only

  /** {@code probe} writes something harmless the client need not answer; run on the event loop. */
  ReadPauser(Channel channel, Runnable probe) {
    this.channel = channel;
    this.probe = probe;
  }

  /** {@code pipe}'s backlog may have changed; every change is followed by a call. */
  void update(InboundPipe pipe) {
    channel
        .eventLoop()
        .execute(
            () -> {
              if (pipe.backlogged()) {
                full.add(pipe);
              } else {
                full.remove(pipe);
              }
              apply();
            });
  }

  /** The connection is being wound down: read (and drop) whatever still arrives. */
  void releaseAll() {
    channel
        .eventLoop()
        .execute(
            () -> {
              full.clear();
              apply();
            });
  }

  private void apply() {
    boolean paused = !full.isEmpty();
    channel.config().setAutoRead(!paused);
    if (paused && probing == null && channel.isActive()) {
      probing =
          channel
              .eventLoop()
              .scheduleAtFixedRate(this::probe, PROBE_SECONDS, PROBE_SECONDS, TimeUnit.SECONDS);
    } else if (!paused) {
      stopProbing();
    }
  }

  private void probe() {
    if (!channel.isActive()) {
      stopProbing();
    } else if (!channel.config().isAutoRead()) {
      probe.run();
    }
  }

  private void stopProbing() {
    if (probing != null) {
      probing.cancel(false);
      probing = null;
    }
  }
}
