package io.caisson.cri;

import io.caisson.common.CaissonException;
import io.caisson.common.OutOfSpace;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Locale;
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
      case CaissonException e when outOfSpace(e) ->
          Status.RESOURCE_EXHAUSTED.withDescription(withCause(e)).asRuntimeException();
      case CaissonException e when e.kind() == CaissonException.Kind.INTERNAL ->
          Status.INTERNAL.withDescription(withCause(e)).asRuntimeException();
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
        yield (OutOfSpace.causedBy(failure) ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL)
            .withDescription(failure.getClass().getSimpleName() + ": " + failure.getMessage())
            .asRuntimeException();
      }
    };
  }

  /**
   * A full disk surfaces deep in whatever wrote to it (a CNI cache file, a layer, a bundle), whose
   * code reports its failure as internal or, in the middle of a pull, as a failed transfer; the
   * caller can only act on it (free space; kubelet's image garbage collection) as a full disk.
   */
  private static boolean outOfSpace(CaissonException e) {
    return (e.kind() == CaissonException.Kind.INTERNAL
            || e.kind() == CaissonException.Kind.UNAVAILABLE)
        && OutOfSpace.causedBy(e);
  }

  /**
   * The message of an internal or out-of-space failure, with its cause's own when the message does
   * not already carry it: "cannot write CNI cache F" alone does not say that the disk is full.
   * Other kinds keep their message as it is: it was written for the caller.
   */
  static String withCause(CaissonException e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if (cause == null || cause instanceof CaissonException) {
      return message;
    }
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (message == null || message.isEmpty()) {
      return why;
    }
    if (message.toLowerCase(Locale.ROOT).contains(why.toLowerCase(Locale.ROOT))) {
      return message; // the cause is already told
    }
    return message + ": " + why;
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
