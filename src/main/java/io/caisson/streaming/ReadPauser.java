package io.caisson.streaming;

import io.netty.channel.Channel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Stops reading a connection while any of its {@link InboundPipe}s is backlogged, and starts again
 * once all drained. Pipes call in from the event loop and from consumer threads; auto-read is only
 * touched on the event loop, which looks at the pipe's backlog when it gets there rather than trust
 * the notice: a pipe that filled and drained at once may have its "drained" notice queued ahead of
 * its "full" one, and acting on them in that order would leave the connection paused for good.
 */
final class ReadPauser {

  private final Channel channel;
  private final Set<InboundPipe> full = Collections.newSetFromMap(new IdentityHashMap<>());

  ReadPauser(Channel channel) {
    this.channel = channel;
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
              channel.config().setAutoRead(full.isEmpty());
            });
  }

  /** The connection is being wound down: read (and drop) whatever still arrives. */
  void releaseAll() {
    channel
        .eventLoop()
        .execute(
            () -> {
              full.clear();
              channel.config().setAutoRead(true);
            });
  }
}
