package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.linux.SeqPacketSocket;
import io.caisson.oci.Conmon;
import io.caisson.oci.DirectExec;
import io.caisson.oci.ExecSession;
import io.caisson.oci.Runc;
import io.caisson.streaming.AttachBackend;
import io.caisson.streaming.ExecBackend;
import io.caisson.streaming.ExecProcess;
import io.caisson.streaming.StreamProcess;
import io.caisson.streaming.StreamRequest;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

/** Exec and attach sessions of the streaming server, in Caisson's containers. */
public final class ContainerStreams implements ExecBackend, AttachBackend {
  private final ContainerManager containers;
  private final Conmon conmon;

  public ContainerStreams(ContainerManager containers, Conmon conmon) {
    this.containers = containers;
    this.conmon = conmon;
  }

  /** Checks a session request before a URL is handed out for it. */
  public void requireRunning(String containerId) throws Exception {
    ContainerRecord record = containers.refresh(containers.find(containerId));
    if (record.state() != ContainerState.RUNNING) {
      throw CaissonException.precondition(
          "container %s is not running (%s)", record.id(), record.state().name().toLowerCase());
    }
  }

  @Override
  public ExecProcess start(StreamRequest.Exec request) {
    Container container = containers.find(request.containerId());
    ContainerRecord record = container.record();
    Path bundle = Path.of(record.bundle());
    // Streams nobody will read or write are /dev/null, or the process would block on them.
    ExecSession.Streams streams =
        new ExecSession.Streams(request.stdin(), request.stdout(), request.stderr());
    // Without a terminal, the exec goes where the container's ExecSync goes; a terminal is made
    // inside the container by runc.
    ExecSession session =
        !request.tty()
                && containers.execRoute(container, record) instanceof DirectExec.Direct direct
            ? DirectExec.startInteractive(direct, record.id(), request.cmd(), streams)
            : container
                .runtime()
                .startExec(
                    record.id(),
                    Runc.execProcess(bundle, request.cmd(), request.tty()),
                    bundle,
                    streams);
    return new ExecProcess() {
      @Override
      public OutputStream stdin() {
        return request.stdin() ? session.stdin() : null;
      }

      @Override
      public InputStream stdout() {
        return request.stdout() ? session.stdout() : null;
      }

      @Override
      public InputStream stderr() {
        // A terminal has one output: stderr is part of stdout.
        return request.stderr() && !request.tty() ? session.stderr() : null;
      }

      @Override
      public void resize(int width, int height) {
        session.resize(width, height);
      }

      @Override
      public int waitFor() throws InterruptedException {
        try {
          return session.exitCode().get();
        } catch (ExecutionException e) {
          return -1;
        }
      }

      @Override
      public void close() {
        session.close();
      }

      @Override
      public void kill() {
        session.kill();
      }
    };
  }

  @Override
  public StreamProcess attach(StreamRequest.Attach request) throws java.io.IOException {
    ContainerRecord record = containers.find(request.containerId()).record();
    Path bundle = Path.of(record.bundle());
    return new AttachSession(
        SeqPacketSocket.connect(conmon.attachSocket(record.id())),
        request.stdin(),
        request.stdout(),
        request.stderr(),
        (width, height) -> conmon.resize(bundle, width, height));
  }
}
