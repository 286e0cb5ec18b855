package io.caisson.streaming;

import io.caisson.common.CaissonException;
import java.util.List;

/**
 * What a streaming URL was issued for. The CRI Exec / Attach / PortForward calls build one of
 * these, the {@link TokenRegistry} keeps it until the client comes to collect it, and the server
 * serves exactly that request: the client's query parameters never widen it.
 */
public sealed interface StreamRequest {

  /** The URL path segment the request is served under ({@code /exec/TOKEN}, ...). */
  String kind();

  /** A command to run inside a container, with the stdio streams the caller asked for. */
  record Exec(
      String containerId,
      List<String> cmd,
      boolean tty,
      boolean stdin,
      boolean stdout,
      boolean stderr)
      implements StreamRequest {
    public Exec {
      requireId(containerId, "container id");
      if (cmd == null || cmd.isEmpty()) {
        throw CaissonException.invalid("exec into %s: cmd is empty", containerId);
      }
      cmd = List.copyOf(cmd);
      checkStreams("exec", tty, stdin, stdout, stderr);
    }

    @Override
    public String kind() {
      return "exec";
    }
  }

  /** The stdio of a container's main process. */
  record Attach(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr)
      implements StreamRequest {
    public Attach {
      requireId(containerId, "container id");
      checkStreams("attach", tty, stdin, stdout, stderr);
    }

    @Override
    public String kind() {
      return "attach";
    }
  }

  /**
   * TCP ports inside a pod's network namespace. {@code ports} may be empty: SPDY clients name the
   * port per stream; WebSocket clients then name them with {@code ?port=} query parameters.
   */
  record PortForward(String podSandboxId, List<Integer> ports) implements StreamRequest {
    public PortForward {
      requireId(podSandboxId, "pod sandbox id");
      ports = ports == null ? List.of() : List.copyOf(ports);
      for (int port : ports) {
        if (port < 1 || port > 65535) {
          throw CaissonException.invalid("port-forward to %s: invalid port %d", podSandboxId, port);
        }
      }
    }

    public PortForward(String podSandboxId) {
      this(podSandboxId, List.of());
    }

    @Override
    public String kind() {
      return "portforward";
    }
  }

  private static void requireId(String id, String what) {
    if (id == null || id.isBlank()) {
      throw CaissonException.invalid("%s is empty", what);
    }
  }

  // The same rules kubelet's streaming server applies: a TTY merges stderr into stdout, and a
  // session without any stream would have nothing to do.
  private static void checkStreams(
      String op, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
    if (tty && stderr) {
      throw CaissonException.invalid("%s: tty and stderr cannot both be true", op);
    }
    if (!stdin && !stdout && !stderr) {
      throw CaissonException.invalid("%s: one of stdin, stdout or stderr must be set", op);
    }
  }
}
