package io.caisson.cri;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every RPC at debug with its duration, and failures at warn with the ids the request carried.
 * Only fields named {@code *_id} are logged, so credentials (PullImage auth) never are.
 */
public final class CallLogging implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger("io.caisson.cri.rpc");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long started = System.nanoTime();
    String method = call.getMethodDescriptor().getBareMethodName();
    Object[] request = new Object[1];
    ServerCall<Q, R> timed =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            long micros = (System.nanoTime() - started) / 1000;
            if (status.isOk() || status.getCode() == Status.Code.CANCELLED) {
              LOG.debug("{} {} in {} µs", method, status.getCode(), micros);
            } else {
              LOG.warn(
                  "{} {} in {} µs{}: {}",
                  method,
                  status.getCode(),
                  micros,
                  ids(request[0]),
                  status.getDescription());
            }
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
      @Override
      public void onMessage(Q message) {
        request[0] = message;
        super.onMessage(message);
      }
    };
  }

  static String ids(Object request) {
    if (!(request instanceof Message message)) {
      return "";
    }
    StringJoiner joined = new StringJoiner(", ", " [", "]").setEmptyValue("");
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getName().endsWith("_id")
          && field.getJavaType() == FieldDescriptor.JavaType.STRING
          && !field.isRepeated()) {
        Object value = message.getField(field);
        if (!value.toString().isEmpty()) {
          joined.add(field.getName() + "=" + value);
        }
      }
    }
    return joined.toString();
  }
}
