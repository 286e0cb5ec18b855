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
    Files.writeString(cpu.resolve("cpuacct.stat"), "user 120\nsystem 30\n");
    Files.writeString(memory.resolve("memory.usage_in_bytes"), "10000\n");
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
    Files.writeString(
        memory.resolve("memory.stat"),
        "cache 5\ntotal_cache 9000\ntotal_inactive_file 4000\ntotal_rss 3000\ntotal_pgfault 7\ntotal_pgmajfault 1\n");
    CgroupSample sample = new CgroupReader(root).read("/pods/c1").orElseThrow();
    assertThat(sample.cpuUsageNanos()).isEqualTo(1_500_000_000L);
    assertThat(sample.workingSet()).isEqualTo(6000);
    assertThat(sample.rss()).isEqualTo(3000);
    assertThat(sample.pageFaults()).isEqualTo(7);
    assertThat(sample.cpuUserNanos()).isEqualTo(1_200_000_000L);
    assertThat(sample.cpuSystemNanos()).isEqualTo(300_000_000L);
    assertThat(sample.cache()).isEqualTo(9000);
    assertThat(sample.memoryLimit()).isZero();
    assertThat(sample.processes()).isZero(); // no pids controller in this tree
    assertThat(new CgroupReader(root).read("/pods/gone")).isEmpty();
  }

  @Test
  void readsCgroupV2Files() throws Exception {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Path dir = Files.createDirectories(root.resolve("pods/c2"));
    Files.writeString(
        dir.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
    Files.writeString(dir.resolve("memory.current"), "8192\n");
    Files.writeString(dir.resolve("memory.max"), "16384\n");
    Files.writeString(dir.resolve("pids.current"), "3\n");
    Files.writeString(
        dir.resolve("memory.stat"), "anon 1024\nfile 6000\ninactive_file 4096\npgfault 3\n");
    CgroupSample sample = new CgroupReader(root).read("pods/c2").orElseThrow();
    assertThat(sample.cpuUsageNanos()).isEqualTo(2_500_000L);
    assertThat(sample.workingSet()).isEqualTo(4096);
    assertThat(sample.availableBytes()).isEqualTo(12288);
    assertThat(sample.rss()).isEqualTo(1024);
    assertThat(sample.processes()).isEqualTo(3);
    assertThat(sample.cpuUserNanos()).isEqualTo(2_000_000L);
    assertThat(sample.cpuSystemNanos()).isEqualTo(500_000L);
    assertThat(sample.cache()).isEqualTo(6000);
  }

  @Test
  void readsCfsThrottlingOnV1AndV2() throws Exception {
    Path v1 = Files.createDirectories(root.resolve("v1/cpu,cpuacct/pods/c1"));
    Files.writeString(
        v1.resolve("cpu.stat"), "nr_periods 40\nnr_throttled 7\nthrottled_time 350000000\n");
    assertThat(new CgroupReader(root.resolve("v1")).cfs("/pods/c1"))
        .contains(new CgroupReader.CfsSample(40, 7, 350_000_000L));
    assertThat(new CgroupReader(root.resolve("v1")).cfs("/pods/gone")).isEmpty();

    Files.createDirectories(root.resolve("v2"));
    Files.writeString(root.resolve("v2/cgroup.controllers"), "cpu memory pids\n");
    Path v2 = Files.createDirectories(root.resolve("v2/pods/c2"));
    Files.writeString(
        v2.resolve("cpu.stat"),
        "usage_usec 2500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 1500\n");
    assertThat(new CgroupReader(root.resolve("v2")).cfs("pods/c2"))
        .contains(new CgroupReader.CfsSample(10, 2, 1_500_000L));
    Path noCpu = Files.createDirectories(root.resolve("v2/pods/c3"));
    Files.writeString(noCpu.resolve("cpu.stat"), "usage_usec 2500\n");
    assertThat(new CgroupReader(root.resolve("v2")).cfs("pods/c3")).isEmpty();
  }

  @Test
  void v1PidsAndLimitedMemory() throws Exception {
    Path cpu = Files.createDirectories(root.resolve("cpuacct/c3"));
    Path memory = Files.createDirectories(root.resolve("memory/c3"));
    Path pids = Files.createDirectories(root.resolve("pids/c3"));
    Files.writeString(cpu.resolve("cpuacct.usage"), "7\n");
    Files.writeString(memory.resolve("memory.usage_in_bytes"), "5000\n");
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "8000\n");
    Files.writeString(memory.resolve("memory.stat"), "total_inactive_file 1000\n");
    Files.writeString(pids.resolve("pids.current"), "2\n");
    CgroupSample sample = new CgroupReader(root).read("c3").orElseThrow();
    assertThat(sample.availableBytes()).isEqualTo(4000);
    assertThat(sample.processes()).isEqualTo(2);
  }

  @Test
  void v1SwapIsTheSwapCounterAndMemswLimitMinusTheMemoryLimit() throws Exception {
    Path memory = Files.createDirectories(root.resolve("memory/s1"));
    Files.writeString(memory.resolve("memory.stat"), "swap 10\ntotal_swap 4096\n");
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "8192\n");
    Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "16384\n");
    CgroupReader reader = new CgroupReader(root);
    CgroupReader.SwapSample swap = reader.swap("/s1").orElseThrow();
    assertThat(swap.usage()).isEqualTo(4096);
    assertThat(swap.limit()).isEqualTo(8192);
    assertThat(swap.available()).isEqualTo(4096);

    Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
    assertThat(reader.swap("/s1").orElseThrow().limited()).isFalse();
    // 64 KiB pages write "no limit" lower; still no limit.
    Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854710272\n");
    assertThat(reader.swap("/s1").orElseThrow().limited()).isFalse();
    // Memory and memory + swap equal: no swap at all (kubelet's NoSwap), which is a limit of 0.
    Files.writeString(memory.resolve("memory.memsw.limit_in_bytes"), "8192\n");
    assertThat(reader.swap("/s1").orElseThrow())
        .isEqualTo(new CgroupReader.SwapSample(4096, 0))
        .matches(CgroupReader.SwapSample::limited);
    Files.delete(memory.resolve("memory.memsw.limit_in_bytes")); // no swap accounting
    assertThat(reader.swap("/s1")).isEmpty();
    assertThat(reader.swap("/gone")).isEmpty();
  }

  @Test
  void v2SwapIsMemorySwapCurrentAndMax() throws Exception {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Path dir = Files.createDirectories(root.resolve("pods/s2"));
    Files.writeString(dir.resolve("memory.swap.current"), "1024\n");
    Files.writeString(dir.resolve("memory.swap.max"), "max\n");
    CgroupReader reader = new CgroupReader(root);
    assertThat(reader.swap("pods/s2").orElseThrow())
        .isEqualTo(new CgroupReader.SwapSample(1024, CgroupReader.SwapSample.UNLIMITED));
    Files.writeString(dir.resolve("memory.swap.max"), "0\n");
    assertThat(reader.swap("pods/s2").orElseThrow().limited()).isTrue();
    Files.writeString(dir.resolve("memory.swap.max"), "3072\n");
    assertThat(reader.swap("pods/s2").orElseThrow().available()).isEqualTo(2048);
    Files.delete(dir.resolve("memory.swap.current"));
    assertThat(reader.swap("pods/s2")).isEmpty();
  }

  @Test
  void sumAddsCountersAndKeepsALimitOnlyWhenAllHaveOne() {
    CgroupSample a = new CgroupSample(10, 100, 50, 40, 30, 2, 1, 1000, 1, 60, 40, 5);
    CgroupSample b = new CgroupSample(20, 200, 60, 50, 20, 3, 0, 0, 2, 150, 50, 7);
    CgroupSample sum = CgroupSample.sum(java.util.List.of(a, b));
    assertThat(sum).isEqualTo(new CgroupSample(20, 300, 110, 90, 50, 5, 1, 0, 3, 210, 90, 12));
    assertThat(CgroupSample.sum(java.util.List.of(a, a)).memoryLimit()).isEqualTo(2000);
    assertThat(CgroupSample.sum(java.util.List.of()).memoryLimit()).isZero();
  }

  @Test
  void v1DetailsAreOomKillsPeakMappedFilesAndTheCpuAndMemorySettings() throws Exception {
    Path memory = Files.createDirectories(root.resolve("memory/pods/c1"));
    Path cpu = Files.createDirectories(root.resolve("cpu/pods/c1"));
    Files.writeString(memory.resolve("memory.stat"), "mapped_file 1\ntotal_mapped_file 4096\n");
    Files.writeString(
        memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    Files.writeString(memory.resolve("memory.max_usage_in_bytes"), "123456\n");
    Files.writeString(memory.resolve("memory.soft_limit_in_bytes"), "9223372036854771712\n");
    Files.writeString(cpu.resolve("cpu.shares"), "512\n");
    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "-1\n");
    Files.writeString(cpu.resolve("cpu.cfs_period_us"), "100000\n");
    assertThat(new CgroupReader(root).details("/pods/c1"))
        .contains(new CgroupReader.Details(2, 123456, 4096, 512, 0, 100000, 0));

    Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000\n");
    Files.writeString(memory.resolve("memory.soft_limit_in_bytes"), "1048576\n");
    assertThat(new CgroupReader(root).details("/pods/c1"))
        .as("a kernel before 4.13 counts no OOM kills")
        .contains(
            new CgroupReader.Details(
                CgroupReader.Details.UNKNOWN, 123456, 4096, 512, 50000, 100000, 1048576));
    assertThat(new CgroupReader(root).details("/pods/gone")).isEmpty();
  }

  @Test
  void v2DetailsConvertTheCpuWeightBackToShares() throws Exception {
    Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    Path dir = Files.createDirectories(root.resolve("pods/c2"));
    Files.writeString(dir.resolve("memory.stat"), "anon 1\nfile_mapped 8192\n");
    Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    Files.writeString(dir.resolve("memory.peak"), "999\n");
    Files.writeString(dir.resolve("memory.low"), "0\n");
    // runc's weight for 1024 shares is 39; 2 shares is weight 1.
    Files.writeString(dir.resolve("cpu.weight"), "39\n");
    Files.writeString(dir.resolve("cpu.max"), "25000 100000\n");
    assertThat(new CgroupReader(root).details("pods/c2"))
        .contains(new CgroupReader.Details(1, 999, 8192, 998, 25000, 100000, 0));

    Files.delete(dir.resolve("memory.peak")); // before Linux 5.19
    Files.writeString(dir.resolve("cpu.weight"), "1\n");
    Files.writeString(dir.resolve("cpu.max"), "max 100000\n");
    assertThat(new CgroupReader(root).details("pods/c2"))
        .contains(new CgroupReader.Details(1, CgroupReader.Details.UNKNOWN, 8192, 2, 0, 100000, 0));
  }

  @Test
  void ioIsPerDeviceFromIoStatOrBlkio() throws Exception {
    assertThat(
            CgroupReader.ioStatV2(
                "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
                    + "253:1 rbytes=0 wbytes=512 rios=0 wios=1 dbytes=0 dios=0\n"))
        .containsExactly(
            new CgroupReader.IoSample(8, 0, 4096, 8192, 1, 2),
            new CgroupReader.IoSample(253, 1, 0, 512, 0, 1));
    assertThat(
            CgroupReader.ioStatV1(
                "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n"
                    + "8:0 Total 12288\nTotal 12288\n",
                "8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n"))
        .containsExactly(new CgroupReader.IoSample(8, 0, 4096, 8192, 1, 2));

    Path blkio = Files.createDirectories(root.resolve("blkio/pods/c1"));
    Files.writeString(blkio.resolve("blkio.throttle.io_service_bytes_recursive"), "Total 0\n");
    Files.writeString(blkio.resolve("blkio.throttle.io_serviced_recursive"), "Total 0\n");
    assertThat(new CgroupReader(root).io("/pods/c1")).isEmpty();
    assertThat(new CgroupReader(root).io("/pods/gone")).isEmpty();
  }

  @Test
  void blockDevicesAreNamedAsSysfsNamesThem() throws Exception {
    Path vda = Files.createDirectories(root.resolve("253:0"));
    Files.writeString(vda.resolve("uevent"), "MAJOR=253\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n");
    BlockDevices devices = new BlockDevices(root);
    assertThat(devices.name(253, 0)).isEqualTo("/dev/vda");
    assertThat(devices.name(7, 3)).isEqualTo("7:3");
  }
}
