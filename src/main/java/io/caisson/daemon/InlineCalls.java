package io.caisson.daemon;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs kubelet's most frequent calls on the socket's event loop instead of handing them to a new
 * virtual thread. They only read in-memory state (and stat a file or two), so the hand-off to
 * another thread and back would cost more than the call itself; every other call, which may wait on
 * runc, CNI or the network, gets a virtual thread of its own from {@code blocking}.
 *
 * <p>The server itself runs with a direct executor: grpc-java resolves the method (and asks this
 * supplier) on the server executor, so a thread-per-task one there would start a virtual thread for
 * every call, the inline ones included.
 */
final class InlineCalls implements ServerCallExecutorSupplier {
  private static final Set<String> INLINE =
      Set.of(
          "runtime.v1.RuntimeService/Version",
          "runtime.v1.RuntimeService/ListPodSandbox",
          "runtime.v1.RuntimeService/PodSandboxStatus",
          "runtime.v1.RuntimeService/ListContainers",
          "runtime.v1.RuntimeService/ContainerStatus");

  private final Executor blocking;

  /**
   * @param blocking where calls that may block run (a virtual thread per call)
   */
  InlineCalls(Executor blocking) {
    this.blocking = blocking;
  }

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
    return INLINE.contains(call.getMethodDescriptor().getFullMethodName())
        ? MoreExecutors.directExecutor()
        : blocking;
  }
}
