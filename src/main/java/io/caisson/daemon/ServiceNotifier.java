package io.caisson.daemon;

import io.caisson.linux.UnixDatagram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the service manager that started the daemon (systemd with {@code Type=notify}) when the CRI
 * socket answers and when the daemon begins to stop, so that kubelet's unit, ordered after
 * Caisson's, starts against a socket that is there. Without {@code NOTIFY_SOCKET} in the
 * environment (started by hand, by a script, or by a manager that does not ask) it does nothing. A
 * notification that cannot be sent is logged, never fatal: the daemon serves either way.
 */
public final class ServiceNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceNotifier.class);
  static final String SOCKET_VARIABLE = "NOTIFY_SOCKET";

  private final String socket;

  private ServiceNotifier(String socket) {
    this.socket = socket;
  }

  /** The notifier for the socket {@code env} names, or one that sends nothing. */
  public static ServiceNotifier fromEnvironment(Map<String, String> env) {
    String socket = env.get(SOCKET_VARIABLE);
    return new ServiceNotifier(socket == null || socket.isBlank() ? null : socket);
  }

  /** Whether a service manager asked to be told. */
  public boolean enabled() {
    return socket != null;
  }

  /** The daemon serves: the socket exists and answers. */
  public void ready(String status) {
    send(readyMessage(ProcessHandle.current().pid(), status));
  }

  /** The daemon drains and stops: the manager should not count it as failed meanwhile. */
  public void stopping(String status) {
    send(stoppingMessage(status));
  }

  /** READY with the main pid: the JVM is exec'd by bin/caisson, but a wrapper could fork it. */
  static String readyMessage(long pid, String status) {
    return "READY=1\nMAINPID=" + pid + "\nSTATUS=" + oneLine(status) + "\n";
  }

  static String stoppingMessage(String status) {
    return "STOPPING=1\nSTATUS=" + oneLine(status) + "\n";
  }

  /** A newline would end the STATUS assignment and start a new (bogus) one. */
  private static String oneLine(String status) {
    return status.replace('\n', ' ');
  }

  private void send(String message) {
    if (socket == null) {
      return;
    }
    try {
      UnixDatagram.send(socket, message.getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot notify the service manager at {}: {}", socket, e.getMessage());
    }
  }
}
