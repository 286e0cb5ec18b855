package io.caisson.streaming;

import io.netty.channel.Channel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Stops reading a connection while any of its {@link InboundPipe}s is backlogged, and starts again
 * once all drained. Pipes call in from consumer threads; auto-read is only touched on the event
 * loop.
 */
final class ReadPauser {

  private final Channel channel;
  private final Set<InboundPipe> full = Collections.newSetFromMap(new IdentityHashMap<>());

  ReadPauser(Channel channel) {
    this.channel = channel;
  }

  void backlogged(InboundPipe pipe, boolean isFull) {
    channel
        .eventLoop()
        .execute(
            () -> {
              if (isFull) {
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
