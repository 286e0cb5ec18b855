package io.caisson.events;

/**
 * What the lifecycle managers report as it happens. Container events are raised while the
 * container's state cannot change under them, so listeners see them in order per container.
 */
public interface Lifecycle {
  /** The four CRI container event kinds; pod sandboxes use them too (sandbox id as the subject). */
  enum Kind {
    CREATED,
    STARTED,
    STOPPED,
    DELETED
  }

  /**
   * @param subject the container (or, for a pod sandbox's own events, the sandbox) id
   * @param sandboxId the pod the subject belongs to (the subject itself for sandbox events)
   */
  void changed(Kind kind, String subject, String sandboxId);

  /** For managers started without a listener. */
  Lifecycle NONE = (kind, subject, sandboxId) -> {};
}
