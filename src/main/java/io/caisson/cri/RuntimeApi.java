package io.caisson.cri;

import io.caisson.cri.v1.RuntimeConfigRequest;
import io.caisson.cri.v1.RuntimeConfigResponse;
import io.caisson.cri.v1.RuntimeServiceGrpc;
import io.caisson.cri.v1.StatusRequest;
import io.caisson.cri.v1.StatusResponse;
import io.caisson.cri.v1.UpdateRuntimeConfigRequest;
import io.caisson.cri.v1.UpdateRuntimeConfigResponse;
import io.caisson.cri.v1.VersionRequest;
import io.caisson.cri.v1.VersionResponse;
import io.grpc.stub.StreamObserver;

/**
 * The CRI RuntimeService. Each RPC family lives in its own class; this one only routes. RPCs not
 * overridden here answer UNIMPLEMENTED naming the method (grpc-java's default).
 */
public final class RuntimeApi extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  private final RuntimeInfoRpcs info;

  public RuntimeApi(RuntimeInfoRpcs info) {
    this.info = info;
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> observer) {
    Rpc.unary(observer, () -> info.version(request));
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    Rpc.unary(observer, () -> info.status(request));
  }

  @Override
  public void runtimeConfig(
      RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> observer) {
    Rpc.unary(observer, info::runtimeConfig);
  }

  @Override
  public void updateRuntimeConfig(
      UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> observer) {
    Rpc.unary(observer, () -> info.updateRuntimeConfig(request));
  }
}
