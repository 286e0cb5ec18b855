package io.caisson.sandbox;

import io.caisson.cri.v1.PodSandboxConfig;
import java.nio.file.Path;
import java.util.List;

/** What the sandbox lifecycle needs from pod networking (CNI in production). */
public interface SandboxNetwork {

  /** The addresses the network gave the pod: the primary first. */
  record PodIps(String primary, List<String> additional) {
    /** The primary first, then the rest; none for a pod without addresses. */
    List<String> all() {
      List<String> all = new java.util.ArrayList<>();
      if (!primary.isEmpty()) {
        all.add(primary);
      }
      all.addAll(additional);
      return all;
    }
  }

  /**
   * Prepares the attachment of the pod's network namespace at {@code netns}, which need not exist
   * yet: whatever a crash during the attach would need to undo it is on disk when this returns, so
   * the caller may run it while it creates the namespace.
   */
  PendingAttach prepare(String sandboxId, PodSandboxConfig config, Path netns) throws Exception;

  /** A prepared attachment: {@link #attach} once the namespace exists, or {@link #abandon}. */
  interface PendingAttach {
    /** Attaches the namespace; on failure nothing stays attached. */
    PodIps attach() throws Exception;

    /**
     * Removes what {@link #prepare} left when {@link #attach} never started; once it has started,
     * {@link SandboxNetwork#detach} is what undoes it, and this does nothing.
     */
    void abandon() throws Exception;
  }

  /**
   * Detaches, with what the attach left on disk (so also after a restart, a reboot, or without the
   * namespace); harmless when never attached or already detached.
   */
  void detach(String sandboxId) throws Exception;

  /**
   * Every sandbox the network holds something for (an attachment, or what a crash left of one), so
   * that recovery can detach those no record owns.
   */
  List<String> attachedSandboxes() throws Exception;

  /**
   * Writes hostname, resolv.conf and hosts (each of the pod's IPs) for the pod into {@code dir}.
   */
  void writePodFiles(Path dir, PodSandboxConfig config, String hostname, List<String> podIps)
      throws Exception;
}
