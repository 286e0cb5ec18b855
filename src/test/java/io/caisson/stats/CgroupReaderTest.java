package io.caisson.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupReaderTest {
  @TempDir Path root;

  @Test
  void readsCgroupV1Files() throws Exception {
    Path cpu = Files.createDirectories(root.resolve("cpuacct/pods/c1"));
    Path memory = Files.createDirectories(root.resolve("memory/pods/c1"));
    Files.writeString(cpu.resolve("cpuacct.usage"), "1500000000\n");
    Files.writeString(memory.resolve("memory.usage_in_bytes"), "10000\n");
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
    Files.writeString(
        memory.resolve("memory.stat"),
        "cache 5\ntotal_inactive_file 4000\ntotal_rss 3000\ntotal_pgfault 7\ntotal_pgmajfault 1\n");
    CgroupSample sample = new CgroupReader(root).read("/pods/c1").orElseThrow();
    assertThat(sample.cpuUsageNanos()).isEqualTo(1_500_000_000L);
    assertThat(sample.workingSet()).isEqualTo(6000);
    assertThat(sample.rss()).isEqualTo(3000);
    assertThat(sample.pageFaults()).isEqualTo(7);
    assertThat(sample.memoryLimit()).isZero();
    assertThat(new CgroupReader(root).read("/pods/gone")).isEmpty();
  }

  @Test
  void readsCgroupV2Files() throws Exception {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Path dir = Files.createDirectories(root.resolve("pods/c2"));
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\n");
    Files.writeString(dir.resolve("memory.current"), "8192\n");
    Files.writeString(dir.resolve("memory.max"), "16384\n");
    Files.writeString(dir.resolve("memory.stat"), "anon 1024\ninactive_file 4096\npgfault 3\n");
    CgroupSample sample = new CgroupReader(root).read("pods/c2").orElseThrow();
    assertThat(sample.cpuUsageNanos()).isEqualTo(2_500_000L);
    assertThat(sample.workingSet()).isEqualTo(4096);
    assertThat(sample.availableBytes()).isEqualTo(12288);
  }

  @Test
  void cpuRateIsTheSlopeBetweenSamples() {
    CpuRates rates = new CpuRates();
    assertThat(rates.nanoCores("c", new CgroupSample(1_000_000_000L, 0, 0, 0, 0, 0, 0, 0)))
        .isZero();
    assertThat(
            rates.nanoCores(
                "c", new CgroupSample(3_000_000_000L, 1_000_000_000L, 0, 0, 0, 0, 0, 0)))
        .isEqualTo(500_000_000L);
  }
}
