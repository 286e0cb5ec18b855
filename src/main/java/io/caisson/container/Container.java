package io.caisson.container;

import io.caisson.cri.v1.ContainerConfig;
import io.caisson.linux.ProcessStamp;
import io.caisson.oci.DirectExec;
import io.caisson.oci.Runc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A container in memory: its CRI config, its current record and its own lifecycle lock. */
public final class Container {
  private static final Logger LOG = LoggerFactory.getLogger(Container.class);
  private volatile ContainerConfig config;
  private final Runc runtime;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile ContainerRecord record;
  private volatile boolean removed;
  // Set under this object's monitor when RemoveContainer deletes the stored record: an exit
  // recorded after that (by the exit watcher or a status call racing the removal) must not write
  // the record back.
  private boolean recordDeleted;
  // The container's first process: as CreateContainer saw it start, or as runc recorded it for a
  // container recovered after a restart. Null for one restored from a checkpoint (its process
  // comes from runc restore), and then runc signals it.
  private volatile ProcessStamp initProcess;
  // How its ExecSync runs, worked out at the first one from its spec and first process (neither
  // changes while it runs); null until then.
  private volatile DirectExec.Route execRoute;
  private final Object routeLock = new Object();
  // Completed by the record that says EXITED, whoever writes it: a stop waits on it instead of
  // polling for conmon's exit file.
  private final CompletableFuture<Void> exited = new CompletableFuture<>();

  Container(ContainerConfig config, ContainerRecord record, Runc runtime) {
    this.config = config;
    this.record = record;
    this.runtime = runtime;
    noteExit(record);
  }

  public ContainerConfig config() {
    return config;
  }

  /** The runtime of the container's pod, which runs it. */
  public Runc runtime() {
    return runtime;
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
    noteExit(newRecord);
  }

  private void noteExit(ContainerRecord newRecord) {
    if (newRecord.state() == ContainerState.EXITED) {
      exited.complete(null);
    }
  }

  /**
   * Waits up to {@code timeout} for a record saying EXITED.
   *
   * @return whether it came
   */
  boolean awaitExitRecord(Duration timeout) throws InterruptedException {
    try {
      exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // never completed exceptionally
    }
  }

  ProcessStamp initProcess() {
    return initProcess;
  }

  void initProcess(ProcessStamp stamp) {
    this.initProcess = stamp;
  }

  /**
   * The exec route, worked out by {@code plan} the first time, by one caller at a time (reading a
   * seccomp filter traces the container's process, which only one tracer may do); a route through
   * runc for a failed read is not kept, the next exec tries again. A lasting route through runc is
   * logged, once: an operator can see why a container's execs take runc's longer way.
   */
  DirectExec.Route execRoute(String id, Supplier<DirectExec.Route> plan) {
    DirectExec.Route route = execRoute;
    if (route != null) {
      return route;
    }
    synchronized (routeLock) {
      route = execRoute;
      if (route == null) {
        route = plan.get();
        switch (route) {
          case DirectExec.Direct _ -> LOG.debug("container {}: execs through caisson-exec", id);
          case DirectExec.ThroughRunc runc when runc.lasting() ->
              LOG.info("container {}: execs through runc exec: {}", id, runc.reason());
          // Tried again at the next exec: at info, a probe every few seconds would repeat it.
          case DirectExec.ThroughRunc runc ->
              LOG.debug("container {}: exec through runc exec this time: {}", id, runc.reason());
        }
        if (!(route instanceof DirectExec.ThroughRunc runc) || runc.lasting()) {
          execRoute = route;
        }
      }
      return route;
    }
  }

  void updateConfig(ContainerConfig newConfig) {
    this.config = newConfig;
  }

  /** The caller holds this object's monitor. */
  void recordDeleted() {
    recordDeleted = true;
  }

  /** Whether the container's record is still stored; the caller holds this object's monitor. */
  boolean recordStored() {
    return !recordDeleted;
  }

  void markRemoved() {
    removed = true;
  }

  public boolean isRemoved() {
    return removed;
  }
}
