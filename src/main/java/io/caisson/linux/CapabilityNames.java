package io.caisson.linux;

import java.util.List;
import java.util.Locale;

/** The kernel's capability names, as CRI, OCI specs and configs write them. */
public final class CapabilityNames {
  /** Capability names in kernel number order (CAP_CHOWN is 0), without the CAP_ prefix. */
  public static final List<String> KERNEL_ORDER =
      List.of(
          "CHOWN",
          "DAC_OVERRIDE",
          "DAC_READ_SEARCH",
          "FOWNER",
          "FSETID",
          "KILL",
          "SETGID",
          "SETUID",
          "SETPCAP",
          "LINUX_IMMUTABLE",
          "NET_BIND_SERVICE",
          "NET_BROADCAST",
          "NET_ADMIN",
          "NET_RAW",
          "IPC_LOCK",
          "IPC_OWNER",
          "SYS_MODULE",
          "SYS_RAWIO",
          "SYS_CHROOT",
          "SYS_PTRACE",
          "SYS_PACCT",
          "SYS_ADMIN",
          "SYS_BOOT",
          "SYS_NICE",
          "SYS_RESOURCE",
          "SYS_TIME",
          "SYS_TTY_CONFIG",
          "MKNOD",
          "LEASE",
          "AUDIT_WRITE",
          "AUDIT_CONTROL",
          "SETFCAP",
          "MAC_OVERRIDE",
          "MAC_ADMIN",
          "SYSLOG",
          "WAKE_ALARM",
          "BLOCK_SUSPEND",
          "AUDIT_READ",
          "PERFMON",
          "BPF",
          "CHECKPOINT_RESTORE");

  private CapabilityNames() {}

  /**
   * {@code name} as the spec writes it ({@code net_raw}, {@code NET_RAW} and {@code CAP_NET_RAW}
   * are all CAP_NET_RAW; {@code ALL} is CAP_ALL), or null when it names no capability.
   */
  public static String canonical(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    return full.equals("CAP_ALL") || KERNEL_ORDER.contains(full.substring(4)) ? full : null;
  }
}
