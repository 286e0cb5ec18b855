package io.caisson.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.grpc.Status;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class RpcTest {
  @Test
  void aFullDiskBehindAnInternalFailureIsResourceExhaustedAndSaysSo() {
    var e =
        CaissonException.internal(
            "cannot write CNI cache /x/eth0.json", new IOException("No space left on device"));
    var status = Rpc.toStatus(e).getStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertEquals(
        "cannot write CNI cache /x/eth0.json: No space left on device", status.getDescription());
  }

  @Test
  void aFullDiskDuringATransferIsResourceExhausted() {
    var e =
        new CaissonException(
            Kind.UNAVAILABLE,
            "layer sha256:ab: no space left on device",
            new IOException("No space left on device"));
    var status = Rpc.toStatus(e).getStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertEquals("layer sha256:ab: no space left on device", status.getDescription());
  }

  @Test
  void anInternalFailureNamesItsCauseOnce() {
    var cause = new IOException("Permission denied");
    assertEquals(
        "cannot write /x: Permission denied",
        Rpc.toStatus(CaissonException.internal("cannot write /x", cause))
            .getStatus()
            .getDescription());
    assertEquals(
        "cannot write /x: Permission denied",
        Rpc.toStatus(CaissonException.internal("cannot write /x: Permission denied", cause))
            .getStatus()
            .getDescription());
  }

  @Test
  void otherKindsKeepTheirCodeAndMessage() {
    var e =
        new CaissonException(
            Kind.NOT_FOUND, "image busybox not found", new IOException("No space left on device"));
    var status = Rpc.toStatus(e).getStatus();
    assertEquals(Status.Code.NOT_FOUND, status.getCode());
    assertEquals("image busybox not found", status.getDescription());
  }

  @Test
  void aRegistryOutageStaysUnavailable() {
    var e =
        new CaissonException(
            Kind.UNAVAILABLE, "cannot reach registry", new IOException("Connection refused"));
    assertEquals(Status.Code.UNAVAILABLE, Rpc.toStatus(e).getStatus().getCode());
  }
}
