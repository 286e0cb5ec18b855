package io.caisson.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;

/** How one workload went on one endpoint. */
public sealed interface Outcome {
  record Measured(Map<String, Samples.Metric> metrics) implements Outcome {}

  /** The endpoint answered UNIMPLEMENTED to an RPC the workload needs: not a failure of the run. */
  record Unimplemented(String detail) implements Outcome {}

  record Skipped(String reason) implements Outcome {}

  record Failed(String message) implements Outcome {}

  /** UNIMPLEMENTED anywhere in the cause chain makes the workload n/a; anything else failed. */
  static Outcome of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException e
          && e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        String description = e.getStatus().getDescription();
        return new Unimplemented(description == null ? "" : description);
      }
    }
    if (error instanceof StatusRuntimeException e) {
      return new Failed(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    }
    return new Failed(error.toString());
  }

  /** The short form the table and JSON show. */
  default String text() {
    return switch (this) {
      case Measured m -> "ok";
      case Unimplemented u -> "n/a (UNIMPLEMENTED)";
      case Skipped s -> "skipped: " + s.reason();
      case Failed f -> "FAILED: " + f.message();
    };
  }
}
