package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Measures the per-container and per-probe costs of the drivers on this machine. */
class OciLatencyIT {
  private static final int ROUNDS = 10;

  @TempDir Path tmp;

  static double median(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int n = sorted.size();
    long m = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return m / 1e6;
  }

  @Test
  void createStartAndExecSyncLatencies() throws Exception {
    try (OciTestRig rig = new OciTestRig(tmp)) {
      List<Long> create = new ArrayList<>();
      List<Long> start = new ArrayList<>();
      List<Long> exec = new ArrayList<>();
      List<Long> delete = new ArrayList<>();
      String probeTarget = null;
      for (int i = 0; i < ROUNDS + 1; i++) {
        String id = OciTestRig.newId();
        Path bundle = rig.bundle(id, List.of("sleep", "1000"));
        long t0 = System.nanoTime();
        long pid = rig.conmon.create(rig.runc, rig.launch(id, bundle)).containerPid();
        long t1 = System.nanoTime();
        rig.runc.start(id, pid, bundle);
        long t2 = System.nanoTime();
        if (i > 0) { // the first round warms up the JVM
          create.add(t1 - t0);
          start.add(t2 - t1);
        }
        if (probeTarget == null) {
          probeTarget = id;
        } else {
          long t3 = System.nanoTime();
          rig.runc.delete(id, true);
          delete.add(System.nanoTime() - t3);
        }
      }
      for (int i = 0; i < ROUNDS + 1; i++) {
        long t0 = System.nanoTime();
        Runc.ExecResult r =
            rig.runc.execSync(probeTarget, List.of("true"), Duration.ofSeconds(10), 1 << 20);
        long t1 = System.nanoTime();
        assertThat(r.exitCode()).isZero();
        if (i > 0) {
          exec.add(t1 - t0);
        }
      }
      System.out.printf(
          "OCI latency (median of %d, ms): conmon+runc create %.1f, runc start %.1f,"
              + " execSync true %.1f, runc delete -f %.1f%n",
          ROUNDS, median(create), median(start), median(exec), median(delete));
      rig.runc.delete(probeTarget, true);
    }
  }
}
