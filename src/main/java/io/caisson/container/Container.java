package io.caisson.container;

import io.caisson.cri.v1.ContainerConfig;
import java.util.concurrent.locks.ReentrantLock;

/** A container in memory: its CRI config, its current record and its own lifecycle lock. */
public final class Container {
  private volatile ContainerConfig config;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile ContainerRecord record;
  private volatile boolean removed;

  Container(ContainerConfig config, ContainerRecord record) {
    this.config = config;
    this.record = record;
  }

  public ContainerConfig config() {
    return config;
  }

  public ContainerRecord record() {
    return record;
  }

  public String id() {
    return record.id();
  }

  ReentrantLock lock() {
    return lock;
  }

  void update(ContainerRecord newRecord) {
    this.record = newRecord;
  }

  void updateConfig(ContainerConfig newConfig) {
    this.config = newConfig;
  }

  void markRemoved() {
    removed = true;
  }

  public boolean isRemoved() {
    return removed;
  }
}
