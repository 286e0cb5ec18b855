package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.cri.v1.NamespaceMode;
import io.caisson.linux.CgroupKill;
import io.caisson.linux.ProcessSignals;
import io.caisson.linux.ProcessStamp;
import io.caisson.linux.SyscallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a stop or kill signal to a container: through a pidfd to its first process when this
 * daemon saw that process start (no runc process to spawn), except SIGKILL in a container that
 * shares its pod's or the node's PID namespace, where killing the first process would leave its
 * children running: every process in the container's cgroup is killed then, by its cgroup v2
 * group's {@code cgroup.kill} where the node has one, else by runc. A process already gone is no
 * error: conmon's exit file tells.
 */
final class ContainerSignals {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerSignals.class);

  private final CgroupKill cgroupKill;

  ContainerSignals(CgroupKill cgroupKill) {
    this.cgroupKill = cgroupKill;
  }

  void send(Container container, int signal) {
    ProcessStamp init = container.initProcess();
    boolean wholeGroup = signal == Signals.SIGKILL && !ownPidNamespace(container.config());
    boolean sent =
        init != null
            && (wholeGroup ? killGroup(container, init) : signalFirst(container, init, signal));
    if (!sent) {
      viaRuntime(container, signal);
    }
  }

  private boolean killGroup(Container container, ProcessStamp init) {
    if (cgroupKill.killGroupOf(init, container.id())) {
      return true;
    }
    LOG.debug("container {}: no cgroup.kill for its group; asking runc", container.id());
    return false;
  }

  private static boolean signalFirst(Container container, ProcessStamp init, int signal) {
    try {
      ProcessSignals.send(init, signal);
      return true;
    } catch (SyscallException e) {
      LOG.debug(
          "signal {} to container {} through a pidfd: {}; asking runc",
          signal,
          container.id(),
          e.getMessage());
      return false;
    }
  }

  private static boolean ownPidNamespace(ContainerConfig config) {
    return config.getLinux().getSecurityContext().getNamespaceOptions().getPid()
        == NamespaceMode.CONTAINER;
  }

  private static void viaRuntime(Container container, int signal) {
    String id = container.id();
    try {
      container.runtime().kill(id, signal, signal == Signals.SIGKILL);
    } catch (CaissonException e) {
      // Already gone between our check and the signal: the exit file will tell.
      LOG.debug("kill {} {}: {}", id, signal, e.getMessage());
    }
  }
}
