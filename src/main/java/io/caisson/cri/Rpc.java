package io.caisson.cri;

import io.caisson.common.CaissonException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one unary RPC body and turns its outcome, or its failure, into the gRPC answer. */
final class Rpc {
  private static final Logger LOG = LoggerFactory.getLogger(Rpc.class);

  private Rpc() {}

  static <R> void unary(StreamObserver<R> observer, Callable<R> body) {
    R response;
    try {
      response = body.call();
    } catch (Throwable t) {
      observer.onError(toStatus(t));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  static StatusRuntimeException toStatus(Throwable failure) {
    return switch (failure) {
      case CaissonException e ->
          code(e.kind()).withDescription(e.getMessage()).asRuntimeException();
      case StatusRuntimeException e -> e;
      case IllegalArgumentException e ->
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      case InterruptedException e -> {
        Thread.currentThread().interrupt();
        yield Status.CANCELLED.withDescription("interrupted").asRuntimeException();
      }
      default -> {
        LOG.error("internal error", failure);
        yield Status.INTERNAL
            .withDescription(failure.getClass().getSimpleName() + ": " + failure.getMessage())
            .asRuntimeException();
      }
    };
  }

  private static Status code(CaissonException.Kind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
      case INTERNAL -> Status.INTERNAL;
    };
  }
}
