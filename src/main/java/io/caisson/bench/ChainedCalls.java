package io.caisson.bench;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Unary calls one after another, each sent from the callback of the answer before it, on the
 * client's I/O thread. A blocking stub hands every call to that thread and every answer back to the
 * caller: two thread wake-ups per call that are this client's, not the runtime's. Chained, the
 * client adds only its own socket's; what is left is closer to the runtime's cost per call.
 */
final class ChainedCalls {
  private ChainedCalls() {}

  /**
   * Sends {@code count} calls, call {@code i} by {@code send.accept(i, observer)}, and waits for
   * the last answer.
   */
  static <T> void run(int count, BiConsumer<Integer, StreamObserver<T>> send) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    next(0, count, send, done);
    done.get(2, TimeUnit.MINUTES);
  }

  private static <T> void next(
      int i, int count, BiConsumer<Integer, StreamObserver<T>> send, CompletableFuture<Void> done) {
    if (i == count) {
      done.complete(null);
      return;
    }
    send.accept(
        i,
        new StreamObserver<>() {
          @Override
          public void onNext(T answer) {}

          @Override
          public void onError(Throwable failure) {
            done.completeExceptionally(failure);
          }

          @Override
          public void onCompleted() {
            next(i + 1, count, send, done);
          }
        });
  }
}
