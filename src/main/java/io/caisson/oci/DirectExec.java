package io.caisson.oci;

import io.caisson.common.CaissonException;
import io.caisson.linux.CapabilityNames;
import io.caisson.linux.ProcessStamp;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import io.caisson.linux.SpawnedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * ExecSync, and exec without a terminal ({@link ExecSession#startDirect}), without runc: {@code
 * caisson-exec} (src/main/c) joins the container's cgroups and namespaces, becomes the container's
 * process (user, groups, capabilities, limits, keyring, no_new_privs, working directory,
 * environment) and execs the command, in one short-lived process where {@code runc exec} takes
 * three (runc, runc init and its re-exec) and ~15 ms more.
 *
 * <p>It applies only where it does everything runc would: a container without AppArmor or SELinux
 * labels, a user namespace or a personality, run by runc itself (not another handler's binary,
 * which may keep its processes somewhere else entirely). A container with a seccomp profile gets
 * the very filter runc installed in its first process, read once from that process (the helper's
 * {@code --read-seccomp}); one whose profile has flags (log, spec_allow) keeps {@code runc exec},
 * whose load applies them. Anything else takes {@code runc exec}, with the reason in the {@link
 * Route}.
 */
public final class DirectExec {
  /** Where the helper is built, next to the jar (or the classes directory) in target/. */
  private static final String HELPER = "native/caisson-exec";

  /**
   * Bounds on the helper's arguments in chars (at most 3 bytes each in UTF-8), under the kernel's
   * 128 KiB per argument and ~2 MiB for all.
   */
  private static final int MAX_ARGUMENT = 32 << 10;

  private static final long MAX_ARGUMENTS = 400 << 10;

  /** The size of one BPF instruction (struct sock_filter). */
  private static final int FILTER_INSTRUCTION = 8;

  /** How long reading a container's seccomp filter may take (it stops the container's process). */
  private static final Duration SECCOMP_READ_TIMEOUT = Duration.ofSeconds(2);

  // Resource numbers of x86_64 and aarch64 (the generic table); other architectures use runc.
  private static final List<String> RLIMITS =
      List.of(
          "RLIMIT_CPU",
          "RLIMIT_FSIZE",
          "RLIMIT_DATA",
          "RLIMIT_STACK",
          "RLIMIT_CORE",
          "RLIMIT_RSS",
          "RLIMIT_NPROC",
          "RLIMIT_NOFILE",
          "RLIMIT_MEMLOCK",
          "RLIMIT_AS",
          "RLIMIT_LOCKS",
          "RLIMIT_SIGPENDING",
          "RLIMIT_MSGQUEUE",
          "RLIMIT_NICE",
          "RLIMIT_RTPRIO",
          "RLIMIT_RTTIME");

  private static volatile boolean enabled = true;

  private DirectExec() {}

  /** Whether execs may take the direct route at all (config {@code direct_exec}). */
  public static void enable(boolean on) {
    enabled = on;
  }

  /** How a container's ExecSync runs. */
  public sealed interface Route permits Direct, ThroughRunc {}

  /**
   * Through the helper, with these options before the command, and the container's seccomp filter
   * (hex of its instructions, written to the helper's stdin) or null.
   */
  public record Direct(Path helper, List<String> options, String seccompFilter) implements Route {}

  /**
   * Through {@code runc exec}, for this reason; {@code lasting} when it holds for the container's
   * life (its spec), not for a failed read that the next exec may try again.
   */
  public record ThroughRunc(String reason, boolean lasting) implements Route {
    ThroughRunc(String reason) {
      this(reason, true);
    }
  }

  /** The built helper, when there is one. */
  public static Optional<Path> helper() {
    return BuiltHelpers.find(HELPER);
  }

  /**
   * The route for the exec of a running container of {@code runtime}, from its bundle's spec and
   * its first process ({@code init}, null when runc alone knows it, after a restore).
   */
  public static Route routeFor(Runc runtime, Path bundle, String containerId, ProcessStamp init) {
    if (!enabled) {
      return new ThroughRunc("direct_exec is off");
    }
    if (!runtime.binary().getFileName().toString().equals("runc")) {
      return new ThroughRunc("runtime " + runtime.binary() + " is not runc");
    }
    if (init == null) {
      return new ThroughRunc("the first process is known to runc only");
    }
    Optional<Path> helper = helper();
    if (helper.isEmpty()) {
      return new ThroughRunc(HELPER + " is not built");
    }
    OciSpec spec;
    String procCgroup;
    String mountinfo;
    try {
      spec = OciJson.readConfig(bundle);
      procCgroup = Files.readString(Path.of("/proc", Long.toString(init.pid()), "cgroup"));
      mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      // The container ended or its bundle is unreadable: runc exec says which, as before.
      return new ThroughRunc("cannot read its spec or cgroups: " + e.getMessage(), false);
    }
    Path built = helper.get();
    return route(
        built,
        spec,
        containerId,
        init,
        procCgroup,
        mountinfo,
        () -> readSeccompFilter(built, init));
  }

  /** Reads the seccomp filter of the container's first process, when the route needs it. */
  @FunctionalInterface
  interface FilterReader {
    String read() throws IOException;
  }

  /**
   * The seccomp filter runc installed in the container's first process: the hex of its instructions
   * as the kernel holds them (8 bytes each).
   */
  static String readSeccompFilter(Path helper, ProcessStamp process) throws IOException {
    SpawnedProcess p =
        new Spawn(
                List.of(
                    helper.toString(),
                    "--read-seccomp",
                    "--pid",
                    Long.toString(process.pid()),
                    "--start-ticks",
                    Long.toString(process.startTicks())))
            .environment(Map.of())
            .stdin(Stdio.NULL)
            .stderr(Stdio.NULL)
            .outputOnFd3()
            .start();
    // The helper writes at most 32 KiB (4096 instructions), which a pipe holds whole.
    try (InputStream out = p.getInputStream();
        InputStream status = p.fd3()) {
      if (!p.waitFor(SECCOMP_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        // Killed, the helper lets the process go (the kernel detaches a dead tracer).
        p.destroyForcibly();
        p.waitFor();
        throw new IOException("no answer within " + SECCOMP_READ_TIMEOUT.toSeconds() + " s");
      }
      byte[] filter = out.readAllBytes();
      if (p.exitValue() != 0 || filter.length == 0 || filter.length % FILTER_INSTRUCTION != 0) {
        String why = new String(status.readNBytes(4096), StandardCharsets.UTF_8).strip();
        throw new IOException(
            why.isEmpty() ? "exit " + p.exitValue() + ", " + filter.length + " bytes" : why);
      }
      return HexFormat.of().formatHex(filter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted");
    }
  }

  /**
   * The route for a container's exec.
   *
   * @param procCgroup {@code /proc/PID/cgroup} of the container's first process
   * @param mountinfo this process's {@code /proc/self/mountinfo}, where the cgroup hierarchies are
   * @param seccompFilter reads the filter of the container's first process; called only for a spec
   *     with a seccomp profile that nothing else keeps on runc
   */
  static Route route(
      Path helper,
      OciSpec spec,
      String containerId,
      ProcessStamp init,
      String procCgroup,
      String mountinfo,
      FilterReader seccompFilter) {
    String arch = System.getProperty("os.arch");
    if (!arch.equals("amd64") && !arch.equals("aarch64")) {
      return new ThroughRunc("architecture " + arch);
    }
    OciSpec.Process process = spec.process();
    OciSpec.Linux linux = spec.linux();
    if (process == null || linux == null) {
      return new ThroughRunc("no process or linux section in the spec");
    }
    if (linux.seccomp() != null
        && linux.seccomp().flags() != null
        && !linux.seccomp().flags().isEmpty()) {
      return new ThroughRunc("seccomp flags " + linux.seccomp().flags());
    }
    if (notEmpty(process.apparmorProfile()) || notEmpty(process.selinuxLabel())) {
      return new ThroughRunc("an LSM label");
    }
    if (linux.personality() != null) {
      return new ThroughRunc("a personality");
    }
    if (linux.namespaces() != null
        && linux.namespaces().stream().anyMatch(ns -> ns.type().equals("user"))) {
      return new ThroughRunc("a user namespace");
    }
    List<String> options = new ArrayList<>();
    add(options, "--pid", Long.toString(init.pid()));
    add(options, "--start-ticks", Long.toString(init.startTicks()));
    Optional<CgroupDirs> cgroups = cgroupDirs(procCgroup, mountinfo);
    if (cgroups.isEmpty()) {
      return new ThroughRunc("a cgroup hierarchy not found in the mount table");
    }
    cgroups.get().v1().forEach(d -> add(options, "--cgroup-v1", d.toString()));
    cgroups.get().v2().ifPresent(d -> add(options, "--cgroup-v2", d.toString()));
    OciSpec.User user = process.user();
    add(options, "--uid", Long.toString(user == null ? 0 : user.uid()));
    add(options, "--gid", Long.toString(user == null ? 0 : user.gid()));
    if (user != null && user.additionalGids() != null && !user.additionalGids().isEmpty()) {
      add(
          options,
          "--groups",
          String.join(",", user.additionalGids().stream().map(String::valueOf).toList()));
    }
    if (user != null && user.umask() != null) {
      add(options, "--umask", Integer.toOctalString(user.umask()));
    }
    for (OciSpec.Rlimit limit :
        process.rlimits() == null ? List.<OciSpec.Rlimit>of() : process.rlimits()) {
      int resource = RLIMITS.indexOf(limit.type());
      if (resource < 0) {
        return new ThroughRunc("resource limit " + limit.type());
      }
      add(options, "--rlimit", resource + ":" + rlim(limit.soft()) + ":" + rlim(limit.hard()));
    }
    OciSpec.Capabilities caps = process.capabilities();
    List<String> flags =
        List.of(
            "--cap-bounding",
            "--cap-effective",
            "--cap-permitted",
            "--cap-inheritable",
            "--cap-ambient");
    List<List<String>> sets =
        caps == null
            ? List.of(List.of(), List.of(), List.of(), List.of(), List.of())
            : List.of(
                orEmpty(caps.bounding()),
                orEmpty(caps.effective()),
                orEmpty(caps.permitted()),
                orEmpty(caps.inheritable()),
                orEmpty(caps.ambient()));
    for (int i = 0; i < flags.size(); i++) {
      Optional<Long> mask = mask(sets.get(i));
      if (mask.isEmpty()) {
        return new ThroughRunc("a capability this daemon does not know");
      }
      add(options, flags.get(i), Long.toHexString(mask.get()));
    }
    if (Boolean.TRUE.equals(process.noNewPrivileges())) {
      options.add("--no-new-privs");
    }
    // runc gives every exec the session keyring of its container, not the daemon's.
    add(options, "--keyring", "_ses." + containerId);
    add(options, "--cwd", notEmpty(process.cwd()) ? process.cwd() : "/");
    for (String env : process.env() == null ? List.<String>of() : process.env()) {
      add(options, "--env", env);
    }
    // After every other check: reading the filter stops the container's process a moment.
    String filter = null;
    if (linux.seccomp() != null) {
      try {
        filter = seccompFilter.read();
      } catch (IOException e) {
        return new ThroughRunc(
            "cannot read the seccomp filter of its first process: " + e.getMessage(), false);
      }
      add(
          options,
          "--seccomp-filter-on-stdin",
          Integer.toString(filter.length() / (2 * FILTER_INSTRUCTION)));
    }
    // The kernel takes at most 128 KiB per argument and ~2 MiB for them all; runc reads the
    // environment from the bundle instead, so a bigger one goes to runc.
    long total = 0;
    for (String option : options) {
      if (option.length() > MAX_ARGUMENT) {
        return new ThroughRunc("an environment variable over " + MAX_ARGUMENT + " chars");
      }
      total += option.length() + 1;
    }
    if (total > MAX_ARGUMENTS) {
      return new ThroughRunc("an environment over " + MAX_ARGUMENTS + " chars");
    }
    return new Direct(helper, List.copyOf(options), filter);
  }

  /**
   * Runs {@code command} through the helper and waits for it, as {@link Runc#execSync} does.
   *
   * @param timeout null or zero for none
   */
  public static Runc.ExecResult run(
      Direct route, String id, List<String> command, Duration timeout, int maxOutput) {
    SpawnedProcess p;
    try {
      p =
          new Spawn(argv(route, List.of(), command))
              .environment(Map.of())
              .stdin(route.seccompFilter() == null ? Stdio.NULL : Stdio.PIPE)
              .outputOnFd3()
              .start();
    } catch (IOException e) {
      throw CaissonException.internal("cannot run " + route.helper() + " in " + id, e);
    }
    // The helper ended first if this fails: it reports why on fd 3.
    sendFilter(route, p, false);
    InputStream status = p.fd3();
    try {
      return Runc.awaitExec(
          id,
          command,
          timeout,
          p,
          maxOutput,
          null,
          (code, stderr) -> code == 255 ? failure(id, code, status) : Optional.empty());
    } finally {
      try {
        status.close();
      } catch (IOException e) {
        // the read end of a pipe: nothing to lose
      }
    }
  }

  /**
   * Starts {@code command} through the helper for an interactive exec without a terminal (see
   * {@link ExecSession}).
   */
  public static ExecSession startInteractive(
      Direct route, String id, List<String> command, ExecSession.Streams streams) {
    return ExecSession.startDirect(route, id, command, streams);
  }

  /**
   * The helper's command line: {@code flags} (which the helper takes first), the route's options,
   * the command.
   */
  static List<String> argv(Direct route, List<String> flags, List<String> command) {
    List<String> argv = new ArrayList<>(flags.size() + route.options().size() + command.size() + 2);
    argv.add(route.helper().toString());
    argv.addAll(flags);
    argv.addAll(route.options());
    argv.add("--");
    argv.addAll(command);
    return argv;
  }

  /**
   * Writes the route's seccomp filter, if it has one, to the helper's stdin, which the helper reads
   * before anything else; at most 32 KiB, which the empty pipe takes whole. Then closes stdin
   * unless {@code keepOpen} (the client's input follows).
   *
   * @return false when the helper had already ended (its status says why)
   */
  static boolean sendFilter(Direct route, Process helper, boolean keepOpen) {
    if (route.seccompFilter() == null) {
      return true;
    }
    OutputStream stdin = helper.getOutputStream();
    try {
      stdin.write(filterBytes(route));
      stdin.flush();
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      if (!keepOpen) {
        try {
          stdin.close();
        } catch (IOException e) {
          // our end of a pipe the helper no longer reads: nothing to lose
        }
      }
    }
  }

  /** The seccomp filter's instructions as the helper reads them on stdin; empty for none. */
  static byte[] filterBytes(Direct route) {
    return route.seccompFilter() == null
        ? new byte[0]
        : HexFormat.of().parseHex(route.seccompFilter());
  }

  /** The helper's report on fd 3 when the command did not run; empty when it ran and gave 255. */
  private static Optional<CaissonException> failure(String id, int code, InputStream status) {
    String message;
    try {
      message = new String(status.readNBytes(4096), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (message.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new CaissonException(
            RuncErrors.kindOf(message),
            "exec in container " + id + " failed (exit " + code + "): " + message));
  }

  /** The container's directory in each cgroup v1 hierarchy, and in the v2 one if mounted. */
  record CgroupDirs(List<Path> v1, Optional<Path> v2) {}

  /**
   * The directory of each hierarchy the process is in, from its {@code /proc/PID/cgroup} lines and
   * the mount points of the hierarchies; empty when one is not mounted at its root here.
   */
  static Optional<CgroupDirs> cgroupDirs(String procCgroup, String mountinfo) {
    List<CgroupMount> mounts = cgroupMounts(mountinfo);
    List<Path> v1 = new ArrayList<>();
    Path v2 = null;
    for (String line : procCgroup.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(":", 3);
      if (parts.length != 3 || !parts[2].startsWith("/")) {
        return Optional.empty();
      }
      Set<String> controllers = parts[1].isEmpty() ? Set.of() : Set.of(parts[1].split(","));
      Optional<CgroupMount> mount =
          mounts.stream()
              .filter(
                  m ->
                      controllers.isEmpty()
                          ? m.v2()
                          : !m.v2() && m.options().containsAll(controllers))
              .findFirst();
      if (mount.isEmpty()) {
        return Optional.empty();
      }
      String relative = parts[2].substring(1);
      Path dir = relative.isEmpty() ? mount.get().point() : mount.get().point().resolve(relative);
      if (controllers.isEmpty()) {
        v2 = dir;
      } else {
        v1.add(dir);
      }
    }
    if (v1.isEmpty() && v2 == null) {
      return Optional.empty();
    }
    return Optional.of(new CgroupDirs(List.copyOf(v1), Optional.ofNullable(v2)));
  }

  private record CgroupMount(Path point, boolean v2, Set<String> options) {}

  /** cgroup mounts of a hierarchy's root, without escaped (unusual) mount points. */
  private static List<CgroupMount> cgroupMounts(String mountinfo) {
    List<CgroupMount> mounts = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] fields = line.split(" ");
      int dash = List.of(fields).indexOf("-");
      if (dash < 6 || fields.length < dash + 4) {
        continue;
      }
      String type = fields[dash + 1];
      if (!type.equals("cgroup") && !type.equals("cgroup2")) {
        continue;
      }
      if (!fields[3].equals("/") || fields[4].contains("\\")) {
        continue;
      }
      Set<String> options = Set.copyOf(List.of(fields[dash + 3].split(",")));
      mounts.add(new CgroupMount(Path.of(fields[4]), type.equals("cgroup2"), options));
    }
    return mounts;
  }

  private static Optional<Long> mask(List<String> names) {
    long mask = 0;
    for (String name : names) {
      String bare = name.startsWith("CAP_") ? name.substring(4) : name;
      int bit = CapabilityNames.KERNEL_ORDER.indexOf(bare);
      if (bit < 0) {
        return Optional.empty();
      }
      mask |= 1L << bit;
    }
    return Optional.of(mask);
  }

  private static String rlim(long value) {
    return value == -1 ? "-1" : Long.toUnsignedString(value);
  }

  private static List<String> orEmpty(List<String> list) {
    return list == null ? List.of() : list;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  private static void add(List<String> options, String name, String value) {
    options.add(name);
    options.add(value);
  }
}
