package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caisson.common.CaissonException;
import io.caisson.oci.OciSpec.Seccomp;
import io.caisson.oci.OciSpec.SyscallRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeccompProfilesTest {

  private static Set<String> allowedUnconditionally(Seccomp s) {
    Set<String> names = new HashSet<>();
    for (SyscallRule r : s.syscalls()) {
      if (r.action().equals("SCMP_ACT_ALLOW") && r.args().isEmpty()) {
        names.addAll(r.names());
      }
    }
    return names;
  }

  private static List<SyscallRule> rulesFor(Seccomp s, String name) {
    List<SyscallRule> out = new ArrayList<>();
    for (SyscallRule r : s.syscalls()) {
      if (r.names().contains(name)) {
        out.add(r);
      }
    }
    return out;
  }

  @Test
  void runtimeDefaultIsAnAllowListThatAShellCanLiveWith() {
    Seccomp s = SeccompProfiles.runtimeDefault(OciSpecBuilder.DEFAULT_CAPABILITIES);
    assertThat(s.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(s.defaultErrnoRet()).isEqualTo(1);
    assertThat(s.architectures()).contains("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    // What sh, ls, cat, sleep and a dynamic loader call.
    assertThat(allowedUnconditionally(s))
        .contains(
            "execve",
            "read",
            "write",
            "openat",
            "close",
            "mmap",
            "mprotect",
            "brk",
            "fstat",
            "newfstatat",
            "statx",
            "getdents64",
            "rt_sigaction",
            "rt_sigprocmask",
            "wait4",
            "fork",
            "vfork",
            "pipe2",
            "dup2",
            "fcntl",
            "ioctl",
            "getpid",
            "exit_group",
            "nanosleep",
            "clock_nanosleep",
            "arch_prctl",
            "set_tid_address",
            "futex",
            "prlimit64",
            "getrandom",
            "socket",
            "connect",
            "chroot");
    // Dangerous ones stay out for a default container.
    assertThat(allowedUnconditionally(s))
        .doesNotContain(
            "mount",
            "umount2",
            "unshare",
            "setns",
            "reboot",
            "init_module",
            "kexec_load",
            "bpf",
            "open_by_handle_at",
            "io_uring_setup",
            "clock_settime",
            "keyctl",
            "add_key");
    // clone only without namespace flags, clone3 says ENOSYS so libc falls back to clone.
    List<SyscallRule> clone = rulesFor(s, "clone");
    assertThat(clone).hasSize(1);
    assertThat(clone.getFirst().args().getFirst().op()).isEqualTo("SCMP_CMP_MASKED_EQ");
    assertThat(clone.getFirst().args().getFirst().value()).isEqualTo(0x7E020000L);
    assertThat(rulesFor(s, "clone3").getFirst().errnoRet()).isEqualTo(38);
    // personality only for a few harmless domains.
    assertThat(rulesFor(s, "personality"))
        .allSatisfy(r -> assertThat(r.args()).hasSize(1))
        .extracting(r -> r.args().getFirst().value())
        .contains(0L, 0xffffffffL);
  }

  @Test
  void capabilitiesUnlockTheirSyscalls() {
    List<String> caps = new ArrayList<>(OciSpecBuilder.DEFAULT_CAPABILITIES);
    caps.add("CAP_SYS_ADMIN");
    caps.add("CAP_SYS_TIME");
    Seccomp s = SeccompProfiles.runtimeDefault(caps);
    assertThat(allowedUnconditionally(s)).contains("mount", "unshare", "setns", "clock_settime");
    // With CAP_SYS_ADMIN, clone is allowed whole and clone3 is not refused.
    assertThat(rulesFor(s, "clone")).allSatisfy(r -> assertThat(r.args()).isEmpty());
    assertThat(rulesFor(s, "clone3"))
        .allSatisfy(r -> assertThat(r.action()).isEqualTo("SCMP_ACT_ALLOW"));

    Seccomp none = SeccompProfiles.runtimeDefault(List.of());
    assertThat(allowedUnconditionally(none)).doesNotContain("chroot");
  }

  @Test
  void localhostProfileInOciShapeIsTakenAsIs(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("p.json");
    Files.writeString(
        f,
        """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                      {"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                       "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}]}
        """);
    Seccomp s = SeccompProfiles.localhost(f, List.of());
    assertThat(s.defaultAction()).isEqualTo("SCMP_ACT_ALLOW");
    assertThat(s.architectures()).containsExactly("SCMP_ARCH_X86_64");
    assertThat(s.syscalls()).hasSize(2);
    assertThat(s.syscalls().getFirst().names()).containsExactly("mkdir", "mkdirat");
    assertThat(s.syscalls().getFirst().errnoRet()).isEqualTo(13);
    assertThat(s.syscalls().get(1).args().getFirst().value()).isEqualTo(9);
  }

  @Test
  void localhostProfileInDockerShapeIsConverted(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("docker.json");
    Files.writeString(
        f,
        """
        {"defaultAction": "SCMP_ACT_ERRNO",
         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                     {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
         "syscalls": [
           {"name": "read", "action": "SCMP_ACT_ALLOW", "args": []},
           {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
           {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_KILL"]}},
           {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
           {"names": ["s390_pci_mmio_read"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}}
         ]}
        """);
    Seccomp s = SeccompProfiles.localhost(f, List.of("CAP_KILL"));
    assertThat(s.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
    assertThat(s.syscalls())
        .extracting(r -> r.names().getFirst())
        .containsExactly("read", "ptrace");
  }

  @Test
  void brokenLocalhostProfilesAreRefusedClearly(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> SeccompProfiles.localhost(dir.resolve("absent.json"), List.of()))
        .isInstanceOf(CaissonException.class)
        .satisfies(
            e ->
                assertThat(((CaissonException) e).kind())
                    .isEqualTo(CaissonException.Kind.NOT_FOUND))
        .hasMessageContaining("absent.json");
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}");
    assertThatThrownBy(() -> SeccompProfiles.localhost(bad, List.of()))
        .hasMessageContaining("SCMP_ACT_MAYBE");
    Path notJson = dir.resolve("x.json");
    Files.writeString(notJson, "defaultAction: allow");
    assertThatThrownBy(() -> SeccompProfiles.localhost(notJson, List.of()))
        .hasMessageContaining("not valid JSON");
  }
}
