package io.caisson.sandbox;

import io.caisson.cri.v1.PodSandboxConfig;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live sandbox in memory: its immutable CRI config, its current record, and the lock that
 * serialises lifecycle changes of this one pod (other pods are never blocked by it).
 */
public final class Sandbox {
  private final PodSandboxConfig config;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile SandboxRecord record;
  private volatile boolean removed;
  // Set when the pod leaves READY, cleared once its STOPPED event is out: a stop that fails after
  // that (a plugin's DEL) must not take the event with it, as its retry no longer sees READY.
  private volatile boolean stopEventOwed;

  Sandbox(PodSandboxConfig config, SandboxRecord record) {
    this.config = config;
    this.record = record;
  }

  public PodSandboxConfig config() {
    return config;
  }

  public SandboxRecord record() {
    return record;
  }

  public String id() {
    return record.id();
  }

  public boolean isReady() {
    return record.state() == SandboxState.READY && !removed;
  }

  public ReentrantLock lock() {
    return lock;
  }

  void update(SandboxRecord newRecord) {
    this.record = newRecord;
  }

  /** Records that the pod left READY and its STOPPED event is still to be raised. */
  void owesStopEvent() {
    this.stopEventOwed = true;
  }

  /** Whether the STOPPED event is owed; true only once, for whoever raises it. */
  synchronized boolean takeStopEvent() {
    boolean owed = stopEventOwed;
    stopEventOwed = false;
    return owed;
  }

  void markRemoved() {
    this.removed = true;
  }

  public boolean isRemoved() {
    return removed;
  }
}
