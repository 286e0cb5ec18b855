package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where a process's unified group is read from, and which groups are never written to. */
class CgroupKillTest {
  @Test
  void theUnifiedLineIsFoundOnHybridAndV2NodesAndAbsentOnV1Alone() {
    String hybrid =
        "12:pids:/caisson/abc\n4:memory:/caisson/abc\n1:name=systemd:/caisson/abc\n"
            + "0::/caisson/abc\n";
    assertThat(CgroupKill.parse(hybrid)).contains("/caisson/abc");
    assertThat(CgroupKill.parse("0::/kubepods/pod1/abc\n")).contains("/kubepods/pod1/abc");
    assertThat(CgroupKill.parse("12:pids:/caisson/abc\n4:memory:/caisson/abc\n")).isEmpty();
    assertThat(CgroupKill.parse("0::/\n")).contains("/");
  }

  @Test
  void aGroupNotNamedAfterTheContainerIsLeftAlone() {
    // This test's own JVM: whatever its group is, it is not a container's of that id.
    ProcessStamp self = ProcessStamp.of(ProcessHandle.current().pid()).orElseThrow();
    assertThat(CgroupKill.of(Path.of("/sys/fs/cgroup")).killGroupOf(self, "no-such-container"))
        .isFalse();
    assertThat(ProcessHandle.current().isAlive()).isTrue();
  }

  @Test
  void aNodeWithoutAUnifiedHierarchyFallsBack() {
    ProcessStamp self = ProcessStamp.of(ProcessHandle.current().pid()).orElseThrow();
    assertThat(CgroupKill.of(Path.of("/nonexistent")).killGroupOf(self, "x")).isFalse();
  }
}
