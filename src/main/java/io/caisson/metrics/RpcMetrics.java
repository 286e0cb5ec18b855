package io.caisson.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/** Counts every CRI call and times it, by method and final status code. */
public final class RpcMetrics implements ServerInterceptor {
  private static final double[] SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
  };

  private final MetricRegistry.Counter calls;
  private final MetricRegistry.Histogram latency;

  public RpcMetrics(MetricRegistry registry) {
    this.calls =
        registry.counter(
            "caisson_grpc_requests_total",
            "CRI calls finished, by service, method and gRPC status code.",
            "service",
            "method",
            "code");
    this.latency =
        registry.histogram(
            "caisson_grpc_request_duration_seconds",
            "Time from a CRI call's start to its status, by method and gRPC status code.",
            SECONDS,
            "service",
            "method",
            "code");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long started = System.nanoTime();
    String fullService = call.getMethodDescriptor().getServiceName();
    String service =
        fullService == null ? "" : fullService.substring(fullService.lastIndexOf('.') + 1);
    String method = call.getMethodDescriptor().getBareMethodName();
    AtomicBoolean recorded = new AtomicBoolean();
    ServerCall<Q, R> counted =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            finish(recorded, service, method, status.getCode(), started);
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        // A client that hangs up first never sees our status: count it as cancelled.
        finish(recorded, service, method, Status.Code.CANCELLED, started);
        super.onCancel();
      }
    };
  }

  private void finish(
      AtomicBoolean recorded, String service, String method, Status.Code code, long started) {
    if (recorded.compareAndSet(false, true)) {
      String name = code.name();
      calls.inc(service, method, name);
      latency.observe((System.nanoTime() - started) / 1e9, service, method, name);
    }
  }
}
