package io.caisson.cri;

import io.caisson.common.CaissonException;
import io.caisson.container.ContainerStreams;
import io.caisson.cri.v1.AttachRequest;
import io.caisson.cri.v1.AttachResponse;
import io.caisson.cri.v1.ExecRequest;
import io.caisson.cri.v1.ExecResponse;
import io.caisson.cri.v1.PortForwardRequest;
import io.caisson.cri.v1.PortForwardResponse;
import io.caisson.sandbox.SandboxManager;
import io.caisson.streaming.StreamRequest;
import io.caisson.streaming.StreamingServer;

/** Exec, Attach and PortForward: check the target, then hand out a single-use streaming URL. */
public final class StreamingRpcs {
  private final StreamingServer server;
  private final ContainerStreams containers;
  private final SandboxManager sandboxes;

  public StreamingRpcs(
      StreamingServer server, ContainerStreams containers, SandboxManager sandboxes) {
    this.server = server;
    this.containers = containers;
    this.sandboxes = sandboxes;
  }

  ExecResponse exec(ExecRequest request) throws Exception {
    containers.requireRunning(request.getContainerId());
    if (request.getCmdCount() == 0) {
      throw CaissonException.invalid("exec needs a command (cmd is empty)");
    }
    if (!request.getStdin() && !request.getStdout() && !request.getStderr()) {
      throw CaissonException.invalid("exec needs at least one of stdin, stdout and stderr");
    }
    StreamRequest.Exec exec =
        new StreamRequest.Exec(
            request.getContainerId(),
            request.getCmdList(),
            request.getTty(),
            request.getStdin(),
            request.getStdout(),
            request.getStderr());
    return ExecResponse.newBuilder().setUrl(server.url(exec).toString()).build();
  }

  AttachResponse attach(AttachRequest request) throws Exception {
    containers.requireRunning(request.getContainerId());
    StreamRequest.Attach attach =
        new StreamRequest.Attach(
            request.getContainerId(),
            request.getTty(),
            request.getStdin(),
            request.getStdout(),
            request.getStderr());
    return AttachResponse.newBuilder().setUrl(server.url(attach).toString()).build();
  }

  PortForwardResponse portForward(PortForwardRequest request) {
    var sandbox = sandboxes.find(request.getPodSandboxId());
    if (!sandbox.isReady()) {
      throw CaissonException.precondition("pod sandbox %s is not ready", sandbox.id());
    }
    StreamRequest.PortForward forward =
        new StreamRequest.PortForward(sandbox.id(), request.getPortList());
    return PortForwardResponse.newBuilder().setUrl(server.url(forward).toString()).build();
  }
}
