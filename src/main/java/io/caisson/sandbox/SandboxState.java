package io.caisson.sandbox;

/** CRI's two sandbox states; NOTREADY covers stopped and not-yet-ready alike. */
public enum SandboxState {
  READY,
  NOTREADY
}
