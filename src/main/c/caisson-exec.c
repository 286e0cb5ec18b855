/*
 * caisson-exec: runs one command inside a running container the way `runc exec` would for a
 * container without LSM labels or a user namespace, in one short-lived process instead of runc's
 * three (runc, runc init and its re-exec). The daemon decides when this applies and passes
 * everything as arguments; nothing here reads the container's spec or environment.
 *
 * Order, as runc's setns path does it: verify the container's first process is still the one the
 * daemon knows (pid + start time, pinned with a pidfd), join its cgroup v1 hierarchies, join its
 * namespaces, fork (the pid namespace applies to children) into its cgroup v2, and in the child:
 * new session, session keyring, rlimits, umask, bounding set, groups and ids (keeping
 * capabilities across the switch), working directory, capability sets, no_new_privs, execve. The
 * seccomp filter goes on where runc puts it: before the ids and capabilities change when the
 * process may gain privileges (loading it then needs CAP_SYS_ADMIN), else just before the execve.
 * The parent waits and exits with the command's status (128 + signal for a signalled one, as runc
 * does).
 *
 * The filter is runc's own: with --read-seccomp this writes to stdout the filter runc installed
 * in the container's first process (its instructions as the kernel holds them, read with ptrace,
 * which stops that process for the read), and the daemon passes it back on stdin to every exec
 * (--seccomp-filter-on-stdin N: N instructions; stdin is then /dev/null for the command, or with
 * --keep-stdin the rest of stdin, for an interactive exec). runc builds the same filter from the
 * same spec for its execs, so both routes confine the command alike.
 *
 * Failures before the command runs go to fd 3 as one line, and the exit status is 255: the
 * command's own stdout and stderr never carry this helper's messages. An interactive exec
 * (--errors-on-stderr, first) has no fd 3: there the line goes to stderr, the client's, where
 * `runc exec` writes its own errors.
 *
 * Usage:
 *   caisson-exec --pid N --start-ticks T [--cgroup-v1 DIR]... [--cgroup-v2 DIR] --uid U --gid G
 *       [--groups G1,G2...] [--umask OCTAL] [--rlimit RES:SOFT:HARD]... --cap-bounding HEX
 *       --cap-effective HEX --cap-permitted HEX --cap-inheritable HEX --cap-ambient HEX
 *       [--no-new-privs] [--seccomp-filter-on-stdin N] [--keyring NAME] --cwd DIR [--env K=V]...
 *       -- COMMAND [ARG]...
 *       (first, for an interactive exec: [--errors-on-stderr] [--keep-stdin])
 *   caisson-exec --read-seccomp --pid N --start-ticks T
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define MAX_LIST 256
#define STATUS_FD 3

/* Where failures are reported: fd 3 in the helper, the error pipe to it in its child. */
static int report_fd = STATUS_FD;

/* One line to the daemon (why the command did not run), then exit 255. */
static void fail(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof(line) - 2) n = sizeof(line) - 2;
  line[n++] = '\n';
  (void)!write(report_fd, line, n);
  _exit(255);
}

struct rlimit_arg {
  int resource;
  struct rlimit limit;
};

struct options {
  pid_t pid;
  unsigned long long start_ticks;
  const char *cgroup_v1[MAX_LIST];
  int n_cgroup_v1;
  const char *cgroup_v2;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  int n_groups;
  int umask_set;
  mode_t umask_value;
  struct rlimit_arg rlimits[MAX_LIST];
  int n_rlimits;
  uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  int no_new_privs;
  struct sock_filter *seccomp; /* null: none */
  unsigned short n_seccomp;
  int read_seccomp;
  int keep_stdin;       /* the command reads stdin (after any filter) */
  int errors_on_stderr; /* no fd 3: failures go to stderr */
  const char *keyring;
  const char *cwd;
  char **env; /* room for every argument, HOME and the terminating NULL */
  int n_env;
  char **argv;
};

static unsigned long long parse_unsigned(const char *what, const char *s, int base) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, base);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') fail("bad %s: %s", what, s);
  return v;
}

/* An rlimit value: a number, or -1 for RLIM_INFINITY. */
static rlim_t parse_rlim(const char *s) {
  if (strcmp(s, "-1") == 0) return RLIM_INFINITY;
  return (rlim_t)parse_unsigned("rlimit", s, 10);
}

static void parse_rlimit(struct options *o, char *spec) {
  if (o->n_rlimits == MAX_LIST) fail("too many rlimits");
  char *soft = strchr(spec, ':');
  char *hard = soft ? strchr(soft + 1, ':') : NULL;
  if (!soft || !hard) fail("bad rlimit: %s", spec);
  *soft++ = '\0';
  *hard++ = '\0';
  struct rlimit_arg *r = &o->rlimits[o->n_rlimits++];
  r->resource = (int)parse_unsigned("rlimit resource", spec, 10);
  r->limit.rlim_cur = parse_rlim(soft);
  r->limit.rlim_max = parse_rlim(hard);
}

static void parse_groups(struct options *o, char *list) {
  size_t most = 1;
  for (const char *c = list; *c; c++) most += *c == ',';
  o->groups = calloc(most, sizeof(gid_t));
  if (!o->groups) fail("out of memory");
  o->n_groups = 0;
  for (char *save = NULL, *g = strtok_r(list, ",", &save); g; g = strtok_r(NULL, ",", &save))
    o->groups[o->n_groups++] = (gid_t)parse_unsigned("group", g, 10);
}

/*
 * Reads a filter of `count` instructions from stdin, as --read-seccomp wrote it, and not a byte
 * more: with --keep-stdin, what follows is the command's input.
 */
static void read_seccomp_from_stdin(struct options *o, unsigned long long count) {
  if (count == 0 || count > BPF_MAXINSNS) fail("bad seccomp filter length %llu", count);
  o->n_seccomp = (unsigned short)count;
  o->seccomp = calloc(count, sizeof(struct sock_filter));
  if (!o->seccomp) fail("out of memory");
  size_t want = count * sizeof(struct sock_filter), got = 0;
  while (got < want) {
    ssize_t n = read(STDIN_FILENO, (char *)o->seccomp + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("seccomp filter: %zu of %zu bytes on stdin", got, want);
    got += (size_t)n;
  }
}

static void parse(struct options *o, int argc, char **argv) {
  memset(o, 0, sizeof(*o));
  o->pid = -1;
  o->env = calloc((size_t)argc + 2, sizeof(char *));
  if (!o->env) fail("out of memory");
  int have_uid = 0, have_gid = 0;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--no-new-privs") == 0) {
      o->no_new_privs = 1;
      continue;
    }
    if (strcmp(a, "--read-seccomp") == 0) {
      o->read_seccomp = 1;
      continue;
    }
    if (strcmp(a, "--keep-stdin") == 0) {
      o->keep_stdin = 1;
      continue;
    }
    if (strcmp(a, "--errors-on-stderr") == 0) {
      o->errors_on_stderr = 1;
      report_fd = STDERR_FILENO;
      continue;
    }
    if (i + 1 >= argc) fail("%s needs a value", a);
    char *v = argv[++i];
    if (strcmp(a, "--pid") == 0) {
      o->pid = (pid_t)parse_unsigned("pid", v, 10);
    } else if (strcmp(a, "--start-ticks") == 0) {
      o->start_ticks = parse_unsigned("start ticks", v, 10);
    } else if (strcmp(a, "--cgroup-v1") == 0) {
      if (o->n_cgroup_v1 == MAX_LIST) fail("too many cgroups");
      o->cgroup_v1[o->n_cgroup_v1++] = v;
    } else if (strcmp(a, "--cgroup-v2") == 0) {
      o->cgroup_v2 = v;
    } else if (strcmp(a, "--uid") == 0) {
      o->uid = (uid_t)parse_unsigned("uid", v, 10);
      have_uid = 1;
    } else if (strcmp(a, "--gid") == 0) {
      o->gid = (gid_t)parse_unsigned("gid", v, 10);
      have_gid = 1;
    } else if (strcmp(a, "--groups") == 0) {
      parse_groups(o, v);
    } else if (strcmp(a, "--umask") == 0) {
      o->umask_set = 1;
      o->umask_value = (mode_t)parse_unsigned("umask", v, 8);
    } else if (strcmp(a, "--rlimit") == 0) {
      parse_rlimit(o, v);
    } else if (strcmp(a, "--cap-bounding") == 0) {
      o->cap_bounding = parse_unsigned("capabilities", v, 16);
    } else if (strcmp(a, "--cap-effective") == 0) {
      o->cap_effective = parse_unsigned("capabilities", v, 16);
    } else if (strcmp(a, "--cap-permitted") == 0) {
      o->cap_permitted = parse_unsigned("capabilities", v, 16);
    } else if (strcmp(a, "--cap-inheritable") == 0) {
      o->cap_inheritable = parse_unsigned("capabilities", v, 16);
    } else if (strcmp(a, "--cap-ambient") == 0) {
      o->cap_ambient = parse_unsigned("capabilities", v, 16);
    } else if (strcmp(a, "--seccomp-filter-on-stdin") == 0) {
      read_seccomp_from_stdin(o, parse_unsigned("seccomp filter length", v, 10));
    } else if (strcmp(a, "--keyring") == 0) {
      o->keyring = v;
    } else if (strcmp(a, "--cwd") == 0) {
      o->cwd = v;
    } else if (strcmp(a, "--env") == 0) {
      o->env[o->n_env++] = v;
    } else {
      fail("unknown option %s", a);
    }
  }
  if (o->pid <= 0 || o->start_ticks == 0) fail("--pid and --start-ticks are required");
  if (o->read_seccomp) return;
  /* The filter came on stdin: an ExecSync's command gets what `runc exec` gives it, nothing to
     read, not the end of a pipe. */
  if (o->seccomp && !o->keep_stdin) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0) fail("stdin: %s", strerror(errno));
    close(null);
  }
  if (!have_uid || !have_gid) fail("--uid and --gid are required");
  if (!o->cwd || o->cwd[0] != '/') fail("--cwd must be an absolute path");
  if (i >= argc) fail("no command");
  o->argv = &argv[i];
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
static unsigned long long start_ticks_of(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
  if (!p) return 0;
  p += 2;
  if (*p == 'Z' || *p == 'X') return 0;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p) return 0;
    p++;
  }
  return strtoull(p, NULL, 10);
}

/*
 * A pidfd for the container's first process, checked to be the very process the daemon started:
 * the pidfd pins it, and the start time read while it still runs tells it from a successor that
 * was given the same pid.
 */
static int open_container_process(const struct options *o) {
  int pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
  if (pidfd < 0) fail("container process %d is gone: %s", (int)o->pid, strerror(errno));
  unsigned long long ticks = start_ticks_of(o->pid);
  struct pollfd exited = {.fd = pidfd, .events = POLLIN};
  if (ticks != o->start_ticks || poll(&exited, 1, 0) != 0)
    fail("container process %d is not running", (int)o->pid);
  return pidfd;
}

/*
 * Writes the seccomp filter runc installed in the container's first process to stdout, its
 * instructions as the kernel holds them (at most 32 KiB: a pipe holds it whole). ptrace is the
 * only way to read a process's filter: the process is seized, stopped by an interrupt (a system
 * call it sleeps in restarts afterwards, as under strace) and let go once the filter is read; if
 * this helper dies meanwhile, the kernel lets it go. A signal that arrived during the stop is given
 * back at the detach. runc's filter is the first one installed, the last in the kernel's order (a
 * program may add its own later).
 */
static int print_seccomp_filter(const struct options *o) {
  int pidfd = open_container_process(o);
  if (ptrace(PTRACE_SEIZE, o->pid, 0, 0) != 0)
    fail("cannot trace container process %d: %s", (int)o->pid, strerror(errno));
  if (ptrace(PTRACE_INTERRUPT, o->pid, 0, 0) != 0)
    fail("cannot stop container process %d: %s", (int)o->pid, strerror(errno));
  int status;
  while (waitpid(o->pid, &status, __WALL) < 0) {
    if (errno != EINTR) fail("waitpid %d: %s", (int)o->pid, strerror(errno));
  }
  if (!WIFSTOPPED(status)) fail("container process %d ended", (int)o->pid);
  /* A stop for a signal on its way (not the interrupt's or a group stop) holds that signal. */
  int held = (status >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status);
  long last = -1, count = 0;
  for (long i = 0; i < 1024; i++) {
    long n = ptrace(PTRACE_SECCOMP_GET_FILTER, o->pid, (void *)i, NULL);
    if (n < 0) break;
    last = i;
    count = n;
  }
  int error = errno;
  struct sock_filter *prog = NULL;
  if (last >= 0 && count > 0 && count <= BPF_MAXINSNS) {
    prog = calloc((size_t)count, sizeof(*prog));
    if (prog && ptrace(PTRACE_SECCOMP_GET_FILTER, o->pid, (void *)last, prog) != count) {
      error = errno;
      free(prog);
      prog = NULL;
    }
  }
  if (ptrace(PTRACE_DETACH, o->pid, 0, (void *)(long)held) != 0)
    fail("cannot let container process %d go: %s", (int)o->pid, strerror(errno));
  close(pidfd);
  if (last < 0)
    fail("container process %d has no seccomp filter to read: %s", (int)o->pid,
         strerror(error));
  if (!prog) fail("cannot read the seccomp filter of process %d: %s", (int)o->pid, strerror(error));
  size_t want = (size_t)count * sizeof(*prog), done = 0;
  while (done < want) {
    ssize_t n = write(STDOUT_FILENO, (const char *)prog + done, want - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("writing the seccomp filter: %s", strerror(errno));
    done += (size_t)n;
  }
  return 0;
}

/* Confines this process with the container's seccomp filter; -1 with a message when refused. */
static int load_seccomp(const struct options *o, char *message, size_t size) {
  struct sock_fprog prog = {.len = o->n_seccomp, .filter = o->seccomp};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
  snprintf(message, size, "loading the seccomp filter: %s", strerror(errno));
  return -1;
}

/*
 * Joins the container's cgroup v1 hierarchies by writing "0" to each directory's tasks file: a
 * single-threaded process moving itself that way skips the kernel's global threadgroup lock,
 * whose write side waits for an RCU grace period (~10-20 ms on an idle node) on every move
 * through cgroup.procs. Being single-threaded, moving this thread moves the whole process.
 */
static void join_cgroups_v1(const struct options *o) {
  for (int i = 0; i < o->n_cgroup_v1; i++) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/tasks", o->cgroup_v1[i]) >= (int)sizeof(path))
      fail("cgroup path too long: %s", o->cgroup_v1[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open %s: %s", path, strerror(errno));
    if (write(fd, "0", 1) != 1) fail("cannot join %s: %s", o->cgroup_v1[i], strerror(errno));
    close(fd);
  }
}

/* The kernel's struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2). */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/*
 * fork, with the child born in the cgroup v2 directory when there is one (CLONE_INTO_CGROUP:
 * no migration, so no global lock either). A kernel without clone3's cgroup (before 5.7) gets a
 * plain fork and the child moves itself through cgroup.procs.
 */
static pid_t fork_into_cgroup(int v2_dir, int *move_child) {
  *move_child = 0;
  if (v2_dir < 0) return fork();
  struct clone3_args args = {
      .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)v2_dir};
  pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
  if (child < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL)) {
    child = fork();
    *move_child = 1;
  }
  return child;
}

/* The child's own move into the cgroup v2 directory, when clone3 could not place it there. */
static void join_cgroup_v2(int v2_dir) {
  int fd = openat(v2_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) fail("cannot join the cgroup v2: %s", strerror(errno));
  close(fd);
}

/* The namespaces the container process has and this one does not share (user excepted). */
static int namespaces_to_join(pid_t pid) {
  static const struct {
    const char *name;
    int flag;
  } kinds[] = {
      {"mnt", CLONE_NEWNS},       {"uts", CLONE_NEWUTS},       {"ipc", CLONE_NEWIPC},
      {"net", CLONE_NEWNET},      {"pid", CLONE_NEWPID},       {"cgroup", CLONE_NEWCGROUP},
      {"time", CLONE_NEWTIME},
  };
  int flags = 0;
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    char theirs[64], ours[64];
    struct stat a, b;
    snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, kinds[i].name);
    snprintf(ours, sizeof(ours), "/proc/self/ns/%s", kinds[i].name);
    if (stat(theirs, &a) != 0) {
      if (errno == ENOENT && kinds[i].flag == CLONE_NEWTIME) continue; /* kernel without it */
      fail("cannot read %s: %s", theirs, strerror(errno));
    }
    if (stat(ours, &b) != 0) fail("cannot read %s: %s", ours, strerror(errno));
    if (a.st_ino != b.st_ino || a.st_dev != b.st_dev) flags |= kinds[i].flag;
  }
  return flags;
}

/* HOME from the container's /etc/passwd for the uid, "/" without an entry (runc's default). */
static void add_home_if_missing(struct options *o, uid_t uid) {
  for (int i = 0; i < o->n_env; i++)
    if (strncmp(o->env[i], "HOME=", 5) == 0) return;
  static char home[PATH_MAX + 6];
  strcpy(home, "HOME=/");
  FILE *f = fopen("/etc/passwd", "re");
  if (f) {
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
      /* name:password:uid:gid:gecos:home:shell */
      char *fields[7] = {0};
      char *p = line;
      int n = 0;
      while (n < 7 && p) {
        fields[n++] = p;
        p = strchr(p, ':');
        if (p) *p++ = '\0';
      }
      if (n < 6) continue;
      char *end;
      unsigned long id = strtoul(fields[2], &end, 10);
      if (*fields[2] == '\0' || *end != '\0' || id != uid) continue;
      if (fields[5][0] != '\0' && strlen(fields[5]) < PATH_MAX)
        snprintf(home, sizeof(home), "HOME=%s", fields[5]);
      break;
    }
    fclose(f);
  }
  o->env[o->n_env++] = home;
}

static void set_capabilities(const struct options *o) {
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(o->cap_effective >> (32 * i));
    data[i].permitted = (uint32_t)(o->cap_permitted >> (32 * i));
    data[i].inheritable = (uint32_t)(o->cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) != 0) fail("capset: %s", strerror(errno));
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    fail("clearing ambient capabilities: %s", strerror(errno));
  /* runc raises each ambient capability and ignores a refusal (one not also permitted and
     inheritable): so does this. */
  for (int cap = 0; cap < 64; cap++) {
    if ((o->cap_ambient >> cap) & 1) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  }
}

static void drop_bounding_set(const struct options *o) {
  for (int cap = 0; cap < 64; cap++) {
    if ((o->cap_bounding >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      fail("dropping capability %d from the bounding set: %s", cap, strerror(errno));
    }
  }
}

static const char *env_value(const struct options *o, const char *name) {
  size_t len = strlen(name);
  for (int i = 0; i < o->n_env; i++)
    if (strncmp(o->env[i], name, len) == 0 && o->env[i][len] == '=') return o->env[i] + len + 1;
  return NULL;
}

/*
 * execve with the container's PATH, as runc's lookup does: a name with a slash as it is, else
 * each PATH entry in turn. Returns only on failure, with a message in runc's words.
 */
static void exec_command(struct options *o, char *message, size_t size) {
  const char *name = o->argv[0];
  if (strchr(name, '/')) {
    execve(name, o->argv, o->env);
    snprintf(message, size, "exec: \"%s\": %s", name, strerror(errno));
    return;
  }
  const char *path = env_value(o, "PATH");
  int denied = 0;
  if (path) {
    const char *p = path;
    while (1) {
      const char *colon = strchr(p, ':');
      size_t dirlen = colon ? (size_t)(colon - p) : strlen(p);
      char candidate[PATH_MAX];
      /* An empty entry is the working directory, as for a shell. */
      if (dirlen == 0) snprintf(candidate, sizeof(candidate), "%s", name);
      else snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)dirlen, p, name);
      execve(candidate, o->argv, o->env);
      if (errno == EACCES) denied = 1;
      else if (errno != ENOENT && errno != ENOTDIR) {
        snprintf(message, size, "exec: \"%s\": %s", name, strerror(errno));
        return;
      }
      if (!colon) break;
      p = colon + 1;
    }
  }
  if (denied) snprintf(message, size, "exec: \"%s\": permission denied", name);
  else snprintf(message, size, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The child, already in the container's namespaces: becomes the container's process and execs. */
static void become_container_process(struct options *o, int error_pipe) {
  char message[1200];
  /* A session of its own, as runc gives every exec'd process. */
  if (setsid() < 0) {
    snprintf(message, sizeof(message), "setsid: %s", strerror(errno));
    goto failed;
  }
  if (o->keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, o->keyring) < 0 &&
      errno != ENOSYS) {
    snprintf(message, sizeof(message), "joining session keyring %s: %s", o->keyring,
             strerror(errno));
    goto failed;
  }
  for (int i = 0; i < o->n_rlimits; i++) {
    if (setrlimit(o->rlimits[i].resource, &o->rlimits[i].limit) != 0) {
      snprintf(message, sizeof(message), "setting rlimit %d: %s", o->rlimits[i].resource,
               strerror(errno));
      goto failed;
    }
  }
  if (o->umask_set) umask(o->umask_value);
  add_home_if_missing(o, o->uid);
  o->env[o->n_env] = NULL;
  /* Allowed to gain privileges, the process needs CAP_SYS_ADMIN to load its filter: now. */
  if (o->seccomp && !o->no_new_privs && load_seccomp(o, message, sizeof(message)) != 0)
    goto failed;
  /* As root first: a directory only the container's user may enter is retried after the switch. */
  int in_cwd = chdir(o->cwd) == 0;
  drop_bounding_set(o);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail("keepcaps: %s", strerror(errno));
  if (setgroups(o->n_groups, o->groups) != 0) {
    snprintf(message, sizeof(message), "setgroups: %s", strerror(errno));
    goto failed;
  }
  if (setresgid(o->gid, o->gid, o->gid) != 0) {
    snprintf(message, sizeof(message), "setgid %u: %s", (unsigned)o->gid, strerror(errno));
    goto failed;
  }
  if (setresuid(o->uid, o->uid, o->uid) != 0) {
    snprintf(message, sizeof(message), "setuid %u: %s", (unsigned)o->uid, strerror(errno));
    goto failed;
  }
  if (!in_cwd && chdir(o->cwd) != 0) {
    snprintf(message, sizeof(message), "chdir to cwd (\"%s\") set in config.json failed: %s",
             o->cwd, strerror(errno));
    goto failed;
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail("keepcaps: %s", strerror(errno));
  set_capabilities(o);
  if (o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    snprintf(message, sizeof(message), "no_new_privs: %s", strerror(errno));
    goto failed;
  }
  /* Otherwise as late as possible, so that as little as possible runs under it before the command. */
  if (o->seccomp && o->no_new_privs && load_seccomp(o, message, sizeof(message)) != 0)
    goto failed;
  exec_command(o, message, sizeof(message));
failed:
  (void)!write(error_pipe, message, strlen(message));
  _exit(255);
}

int main(int argc, char **argv) {
  struct options o;
  parse(&o, argc, argv);
  if (o.read_seccomp) return print_seccomp_filter(&o);
  /* Not dumpable until the command's execve resets it: processes of the container cannot
     ptrace or open /proc files of the child while it still holds the node's credentials. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("dumpable: %s", strerror(errno));
  int pidfd = open_container_process(&o);
  join_cgroups_v1(&o);
  /* Opened here, before the container's mount namespace makes the node's paths unreachable. */
  int v2_dir = -1;
  if (o.cgroup_v2) {
    v2_dir = open(o.cgroup_v2, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (v2_dir < 0) fail("cannot open %s: %s", o.cgroup_v2, strerror(errno));
  }
  int flags = namespaces_to_join(o.pid);
  if (flags != 0 && setns(pidfd, flags) != 0)
    fail("cannot join the namespaces of container process %d: %s", (int)o.pid, strerror(errno));
  close(pidfd);
  /* Orphans of the command that stay in this pid namespace level come back here to be reaped. */
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) fail("pipe: %s", strerror(errno));
  int move_child;
  pid_t child = fork_into_cgroup(v2_dir, &move_child);
  if (child < 0) fail("fork: %s", strerror(errno));
  if (child == 0) {
    close(pipe_fds[0]);
    /* Without fd 3 (--errors-on-stderr) that number may be any descriptor opened since. */
    if (!o.errors_on_stderr) close(STATUS_FD);
    report_fd = pipe_fds[1];
    if (move_child) join_cgroup_v2(v2_dir);
    if (v2_dir >= 0) close(v2_dir);
    become_container_process(&o, pipe_fds[1]);
  }
  close(pipe_fds[1]);
  char message[1200];
  ssize_t n, got = 0;
  while ((n = read(pipe_fds[0], message + got, sizeof(message) - 1 - got)) > 0 ||
         (n < 0 && errno == EINTR)) {
    if (n > 0) got += n;
  }
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid: %s", strerror(errno));
  }
  if (got > 0) {
    message[got] = '\0';
    fail("%s", message);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}
