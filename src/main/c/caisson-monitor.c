/*
 * caisson-monitor: the process that stays with one container for its whole life, in place of
 * conmon. It takes the part of conmon's command line Caisson uses (oci/Conmon builds it) and keeps
 * conmon's contract with the daemon, so either binary can be configured:
 *
 *   - it forks once; the first process writes the survivor's pid to the -P file and exits, the
 *     survivor starts a new session, so it is neither the daemon's child nor in its session, and
 *     becomes a child subreaper, so the container's first process is reparented to it;
 *   - it runs `RUNTIME [--runtime-arg]... create --bundle B --pid-file P [--console-socket S] ID`
 *     (or `restore ... --detach --image-path R --work-path B`) and answers on the fd named by
 *     _OCI_SYNCPIPE with one line: {"data": PID} once the container exists, or {"data": -1,
 *     "message": "..."} with the runtime's error output;
 *   - it writes the container's output to the log (-l k8s-file:PATH) in the CRI format, one
 *     record per line: `RFC3339NANO STREAM F|P TEXT`, P for a piece of a longer line, starting a
 *     new file when the next record would take it past --log-size-max;
 *   - it serves SOCKET_DIR/ID/attach (a symlink to the bundle, so the path stays short), a
 *     SOCK_SEQPACKET socket: each packet to a client is one byte naming the stream (2 stdout,
 *     3 stderr) then the bytes; what a client sends goes to the container's stdin; a client that
 *     shuts its side down closes the container's stdin unless --leave-stdin-open;
 *   - it reads BUNDLE/ctl, a fifo of "TYPE HEIGHT WIDTH\n" lines: 1 resizes the terminal, 2
 *     reopens the log (opens PATH.tmp, renames it over PATH);
 *   - when the container's first process ends, it writes "oom" in the persist dir if the
 *     container's memory cgroup saw an OOM kill, then the exit code (128 + signal for a signalled
 *     process) to PERSIST_DIR/exit and to EXIT_DIR/ID, the file the daemon watches, and exits.
 *
 * Why not conmon: conmon links GLib and libsystemd (ten shared libraries): its start and the
 * fork it does before running the runtime took ~4 ms of each CreateContainer on the benchmark
 * machine, against ~1 ms for this program, and it holds ~0.4 MiB per container.
 *
 * Errors before the container exists go to the sync fd as the message of {"data": -1}; before
 * the fork (bad arguments) to stderr, which the daemon reads when no answer came.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define STDOUT_STREAM 2
#define STDERR_STREAM 3
#define BUF_SIZE 8192
#define MAX_CLIENTS 64
#define MAX_ARGS 64

static struct {
  const char *cid;
  const char *cuuid;
  const char *runtime;
  const char *bundle;
  const char *pid_file;
  const char *monitor_pid_file;
  const char *log_path;
  const char *exit_dir;
  const char *socket_dir;
  const char *persist_dir;
  const char *restore_path;
  const char *runtime_args[MAX_ARGS];
  int n_runtime_args;
  const char *runtime_opts[MAX_ARGS];
  int n_runtime_opts;
  bool terminal;
  bool stdin;
  bool leave_stdin_open;
  long long log_size_max;
} opt = {.log_size_max = -1};

static int sync_fd = -1;

/* The terminal's console socket lives in a directory of its own under /tmp, whose path is short
 * enough for sun_path whatever the state directory's length; removed once used or on failure. */
static char console_dir[] = "/tmp/caisson-console-XXXXXX";
static bool console_dir_made;

static void remove_console_dir(void) {
  if (!console_dir_made) return;
  char sock[sizeof console_dir + 8];
  snprintf(sock, sizeof sock, "%s/sock", console_dir);
  unlink(sock);
  rmdir(console_dir);
  console_dir_made = false;
}

/* Reports a failure before the container exists, then exits. */
static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* --- the sync pipe ---------------------------------------------------------------------- */

static bool write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    buf += n;
    len -= (size_t)n;
  }
  return true;
}

/* Appends s to out as a JSON string body: quotes, backslashes and control characters escaped. */
static size_t json_escape(char *out, size_t cap, const char *s) {
  size_t o = 0;
  for (; *s && o + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20) {
      o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
  return o;
}

static void answer(long pid, const char *message) {
  if (sync_fd < 0) return;
  static char line[3 * BUF_SIZE];
  int n;
  if (message == NULL) {
    n = snprintf(line, sizeof line, "{\"data\": %ld}\n", pid);
  } else {
    static char escaped[2 * BUF_SIZE];
    json_escape(escaped, sizeof escaped, message);
    n = snprintf(line, sizeof line, "{\"data\": %ld, \"message\": \"%s\"}\n", pid, escaped);
  }
  write_all(sync_fd, line, (size_t)n);
  close(sync_fd);
  sync_fd = -1;
}

static void fail(const char *fmt, ...) {
  char msg[BUF_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  remove_console_dir();
  if (sync_fd >= 0) {
    answer(-1, msg);
  } else {
    fprintf(stderr, "caisson-monitor: %s\n", msg);
  }
  _exit(1);
}

/* --- small file helpers ----------------------------------------------------------------- */

static char *join(const char *dir, const char *name) {
  char *p;
  if (asprintf(&p, "%s/%s", dir, name) < 0) fail("out of memory");
  return p;
}

/* Writes text to path through a temporary file and a rename: readers see all of it or none. */
static int write_file_atomic(const char *path, const char *text) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  /* A full filesystem must not leave an empty exit file: the daemon would read no code. */
  bool written = write_all(fd, text, strlen(text));
  if (close(fd) < 0) written = false;
  if (!written || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
  }
  return 0;
}

/* --- the CRI log ------------------------------------------------------------------------ */

static int log_fd = -1;
static long long log_bytes;

static int open_log_fresh(void) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", opt.log_path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (rename(tmp, opt.log_path) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Starts a new, empty log file; on failure the old one stays in use. */
static void reopen_log(void) {
  int fd = open_log_fresh();
  if (fd < 0) return;
  close(log_fd);
  log_fd = fd;
  log_bytes = 0;
}

/* "2006-01-02T15:04:05.000000000Z stdout " */
static size_t timestamp(char *buf, size_t cap, int stream) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(buf + n, cap - n, ".%09ldZ %s ", ts.tv_nsec,
                        stream == STDERR_STREAM ? "stderr" : "stdout");
  return n;
}

static void write_log(int stream, const char *buf, size_t len) {
  char ts[64];
  size_t ts_len = timestamp(ts, sizeof ts, stream);
  while (len > 0) {
    const char *nl = memchr(buf, '\n', len);
    bool partial = nl == NULL;
    size_t line_len = partial ? len : (size_t)(nl - buf) + 1;
    size_t record = ts_len + 2 + line_len + (partial ? 1 : 0);
    if (opt.log_size_max > 0 && log_bytes + (long long)record > opt.log_size_max) {
      reopen_log();
    }
    struct iovec iov[4] = {
        {ts, ts_len},
        {(void *)(partial ? "P " : "F "), 2},
        {(void *)buf, line_len},
        {(void *)"\n", 1},
    };
    int cnt = partial ? 4 : 3;
    /* O_APPEND: one writev is one record, whole, unless the disk is full. */
    ssize_t w;
    do {
      w = writev(log_fd, iov, cnt);
    } while (w < 0 && errno == EINTR);
    if (w > 0) log_bytes += w;
    buf += line_len;
    len -= line_len;
  }
}

/* --- attach clients --------------------------------------------------------------------- */

static int clients[MAX_CLIENTS];
static bool client_reads[MAX_CLIENTS]; /* false once the client shut its side down */
static int n_clients;

static int client_index(int fd) {
  for (int i = 0; i < n_clients; i++) {
    if (clients[i] == fd) return i;
  }
  return -1;
}

static void drop_client(int i) {
  close(clients[i]);
  clients[i] = clients[n_clients - 1];
  client_reads[i] = client_reads[n_clients - 1];
  n_clients--;
}

/* Sends output to every client; a slow client holds the container back, as a terminal would. */
static void broadcast(int stream, const char *buf, size_t len) {
  char packet[BUF_SIZE + 1];
  packet[0] = (char)stream;
  memcpy(packet + 1, buf, len);
  for (int i = 0; i < n_clients;) {
    ssize_t n;
    do {
      n = send(clients[i], packet, len + 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      drop_client(i);
    } else {
      i++;
    }
  }
}

/* --- the container's cgroup, for OOM kills ---------------------------------------------- */

static char oom_counter_file[PATH_MAX]; /* memory.oom_control (v1) or memory.events (v2) */

static void find_memory_cgroup(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/cgroup", pid);
  FILE *f = fopen(path, "re");
  if (f == NULL) return;
  char line[PATH_MAX + 64];
  char unified[PATH_MAX] = "";
  bool v1 = false;
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    char *controllers = strchr(line, ':');
    if (controllers == NULL) continue;
    char *dir = strchr(controllers + 1, ':');
    if (dir == NULL) continue;
    *dir++ = '\0';
    controllers++;
    if (*controllers == '\0') {
      snprintf(unified, sizeof unified, "%s", dir);
      continue;
    }
    for (char *c = strtok(controllers, ","); c != NULL; c = strtok(NULL, ",")) {
      if (strcmp(c, "memory") == 0) {
        snprintf(oom_counter_file, sizeof oom_counter_file,
                 "/sys/fs/cgroup/memory%s/memory.oom_control", dir);
        v1 = true;
      }
    }
  }
  fclose(f);
  if (!v1 && unified[0] != '\0' && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    snprintf(oom_counter_file, sizeof oom_counter_file, "/sys/fs/cgroup%s/memory.events",
             strcmp(unified, "/") == 0 ? "" : unified);
  }
}

/* Whether the cgroup's "oom_kill" count (both files have one) is above zero. */
static bool oom_killed(void) {
  if (oom_counter_file[0] == '\0') return false;
  FILE *f = fopen(oom_counter_file, "re");
  if (f == NULL) return false;
  char key[64];
  long long value;
  bool killed = false;
  while (fscanf(f, "%63s %lld", key, &value) == 2) {
    if (strcmp(key, "oom_kill") == 0 && value > 0) killed = true;
  }
  fclose(f);
  return killed;
}

/* --- starting the container ------------------------------------------------------------- */

/* Reads the SCM_RIGHTS fd the runtime sends on the console socket: the terminal's master. */
static int receive_fd(int conn) {
  char data[256];
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control, .msg_controllen = sizeof control};
  ssize_t n;
  do {
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
    errno = EBADMSG;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

/* Binds a unix socket at dir_fd/name, where dir_fd may sit on a path too long for sun_path. */
static int bind_in(int dir_fd, const char *name, int type) {
  int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir_fd, name);
  unlinkat(dir_fd, name, 0);
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || fchmodat(dir_fd, name, 0700, 0) < 0 ||
      listen(s, 16) < 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

/* A new fifo at path, opened for reading without waiting for a writer. */
static int make_fifo(const char *path) {
  unlink(path);
  if (mkfifo(path, 0660) < 0) return -1;
  return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static long read_pid_file(const char *path) {
  char buf[32] = "";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *end;
  long pid = strtol(buf, &end, 10);
  return pid > 0 ? pid : -1;
}

/* Everything the runtime wrote to its stderr, for the daemon's error message. */
static void read_error_output(int fd, char *out, size_t cap) {
  size_t o = 0;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  while (o + 1 < cap) {
    ssize_t n = read(fd, out + o, cap - 1 - o);
    if (n <= 0) break;
    o += (size_t)n;
  }
  while (o > 0 && (out[o - 1] == '\n' || out[o - 1] == ' ')) o--;
  out[o] = '\0';
}

static void parse_args(int argc, char **argv) {
  enum { API = 256, EXIT_DIR, SOCKET_DIR, PERSIST_DIR, LOG_LEVEL, RUNTIME_ARG, RUNTIME_OPT,
         LEAVE_STDIN_OPEN, LOG_SIZE_MAX, RESTORE, VERSION };
  static const struct option longs[] = {
      {"api-version", required_argument, 0, API},
      {"cid", required_argument, 0, 'c'},
      {"cuuid", required_argument, 0, 'u'},
      {"name", required_argument, 0, 'n'},
      {"runtime", required_argument, 0, 'r'},
      {"bundle", required_argument, 0, 'b'},
      {"container-pidfile", required_argument, 0, 'p'},
      {"conmon-pidfile", required_argument, 0, 'P'},
      {"log-path", required_argument, 0, 'l'},
      {"exit-dir", required_argument, 0, EXIT_DIR},
      {"socket-dir-path", required_argument, 0, SOCKET_DIR},
      {"persist-dir", required_argument, 0, PERSIST_DIR},
      {"log-level", required_argument, 0, LOG_LEVEL},
      {"runtime-arg", required_argument, 0, RUNTIME_ARG},
      {"runtime-opt", required_argument, 0, RUNTIME_OPT},
      {"terminal", no_argument, 0, 't'},
      {"stdin", no_argument, 0, 'i'},
      {"leave-stdin-open", no_argument, 0, LEAVE_STDIN_OPEN},
      {"log-size-max", required_argument, 0, LOG_SIZE_MAX},
      {"restore", required_argument, 0, RESTORE},
      {"version", no_argument, 0, VERSION},
      {0, 0, 0, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "c:u:n:r:b:p:P:l:ti", longs, NULL)) != -1) {
    switch (c) {
      case API:
      case 'n':
      case LOG_LEVEL:
        break; /* accepted for conmon's command line; nothing here depends on them */
      case 'c': opt.cid = optarg; break;
      case 'u': opt.cuuid = optarg; break;
      case 'r': opt.runtime = optarg; break;
      case 'b': opt.bundle = optarg; break;
      case 'p': opt.pid_file = optarg; break;
      case 'P': opt.monitor_pid_file = optarg; break;
      case 'l':
        if (strncmp(optarg, "k8s-file:", 9) != 0) fail("only k8s-file logs are supported: %s", optarg);
        opt.log_path = optarg + 9;
        break;
      case EXIT_DIR: opt.exit_dir = optarg; break;
      case SOCKET_DIR: opt.socket_dir = optarg; break;
      case PERSIST_DIR: opt.persist_dir = optarg; break;
      case RUNTIME_ARG:
        if (opt.n_runtime_args == MAX_ARGS) fail("too many --runtime-arg");
        opt.runtime_args[opt.n_runtime_args++] = optarg;
        break;
      case RUNTIME_OPT:
        if (opt.n_runtime_opts == MAX_ARGS) fail("too many --runtime-opt");
        opt.runtime_opts[opt.n_runtime_opts++] = optarg;
        break;
      case 't': opt.terminal = true; break;
      case 'i': opt.stdin = true; break;
      case LEAVE_STDIN_OPEN: opt.leave_stdin_open = true; break;
      case LOG_SIZE_MAX: opt.log_size_max = strtoll(optarg, NULL, 10); break;
      case RESTORE: opt.restore_path = optarg; break;
      case VERSION:
        printf("caisson-monitor: Caisson's container monitor, conmon's command line (api-version 1)\n");
        exit(0);
      default: fail("unknown option (see oci/Conmon for the command line)");
    }
  }
  if (optind != argc) fail("unexpected argument: %s", argv[optind]);
  if (!opt.cid || !opt.runtime || !opt.bundle || !opt.pid_file || !opt.log_path ||
      !opt.exit_dir || !opt.socket_dir) {
    fail("missing one of -c, -r, -b, -p, -l, --exit-dir, --socket-dir-path");
  }
  if (!opt.cuuid) opt.cuuid = opt.cid;
  if (!opt.persist_dir) opt.persist_dir = opt.bundle;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);

  const char *sync_env = getenv("_OCI_SYNCPIPE");
  if (sync_env != NULL) {
    sync_fd = atoi(sync_env);
    if (sync_fd <= 2 || fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0) sync_fd = -1;
  }

  log_fd = open(opt.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (log_fd < 0) fail("cannot open the log %s: %s", opt.log_path, strerror(errno));
  struct stat st;
  if (fstat(log_fd, &st) == 0) log_bytes = st.st_size;

  int devnull_r = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int devnull_w = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull_r < 0 || devnull_w < 0) fail("cannot open /dev/null: %s", strerror(errno));

  /* The first process only says who the survivor is. */
  pid_t survivor = fork();
  if (survivor < 0) fail("fork: %s", strerror(errno));
  if (survivor > 0) {
    if (opt.monitor_pid_file != NULL) {
      char text[32];
      snprintf(text, sizeof text, "%d", (int)survivor);
      if (write_file_atomic(opt.monitor_pid_file, text) < 0) {
        kill(survivor, SIGKILL);
        fail("cannot write %s: %s", opt.monitor_pid_file, strerror(errno));
      }
    }
    _exit(0);
  }
  dup2(devnull_r, 0);
  dup2(devnull_w, 1);
  dup2(devnull_w, 2);
  setsid();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) fail("cannot become a subreaper: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) fail("signalfd: %s", strerror(errno));

  /* SOCKET_DIR/ID -> bundle: the attach socket's path stays under sun_path's 108 bytes. */
  char *link = join(opt.socket_dir, opt.cuuid);
  unlink(link);
  if (symlink(opt.bundle, link) < 0) fail("cannot link %s: %s", link, strerror(errno));
  int link_fd = open(link, O_PATH | O_CLOEXEC);
  if (link_fd < 0) fail("cannot open %s: %s", link, strerror(errno));
  int attach_fd = bind_in(link_fd, "attach", SOCK_SEQPACKET | SOCK_NONBLOCK);
  if (attach_fd < 0) fail("cannot serve %s/attach: %s", link, strerror(errno));

  char *ctl_path = join(opt.bundle, "ctl");
  int ctl_fd = make_fifo(ctl_path);
  int ctl_keep = ctl_fd < 0 ? -1 : open(ctl_path, O_WRONLY | O_CLOEXEC); /* no EOF when writers go */
  if (ctl_fd < 0 || ctl_keep < 0) fail("cannot make %s: %s", ctl_path, strerror(errno));

  /* The container's stdio: a terminal (its master comes from the runtime) or pipes. */
  int out_r = -1, out_w = -1, err_r = -1, err_w = -1, in_r = devnull_r, in_w = -1;
  int console_fd = -1;
  char *console_path = NULL;
  int p[2];
  if (opt.terminal) {
    if (mkdtemp(console_dir) == NULL) fail("cannot make %s: %s", console_dir, strerror(errno));
    console_dir_made = true;
    int dir_fd = open(console_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    console_fd = dir_fd < 0 ? -1 : bind_in(dir_fd, "sock", SOCK_STREAM);
    if (console_fd < 0) fail("cannot make the console socket: %s", strerror(errno));
    close(dir_fd);
    console_path = join(console_dir, "sock");
  } else {
    if (pipe2(p, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    out_r = p[0], out_w = p[1];
    if (opt.stdin) {
      if (pipe2(p, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
      in_r = p[0], in_w = p[1];
    }
  }
  /* The runtime's stderr: the container's too without a terminal, its own pipe with one. */
  if (pipe2(p, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
  err_r = p[0], err_w = p[1];

  const char *rargv[2 * MAX_ARGS + 20];
  int n = 0;
  rargv[n++] = opt.runtime;
  for (int i = 0; i < opt.n_runtime_args; i++) rargv[n++] = opt.runtime_args[i];
  rargv[n++] = opt.restore_path ? "restore" : "create";
  rargv[n++] = "--bundle";
  rargv[n++] = opt.bundle;
  rargv[n++] = "--pid-file";
  rargv[n++] = opt.pid_file;
  if (opt.restore_path) {
    rargv[n++] = "--detach";
    rargv[n++] = "--image-path";
    rargv[n++] = opt.restore_path;
    rargv[n++] = "--work-path";
    rargv[n++] = opt.bundle;
  }
  for (int i = 0; i < opt.n_runtime_opts; i++) rargv[n++] = opt.runtime_opts[i];
  if (console_path) {
    rargv[n++] = "--console-socket";
    rargv[n++] = console_path;
  }
  rargv[n++] = opt.cid;
  rargv[n] = NULL;

  pid_t runtime = fork();
  if (runtime < 0) fail("fork: %s", strerror(errno));
  if (runtime == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    if (chdir(opt.bundle) < 0) _exit(127);
    dup2(in_r, 0);
    dup2(out_w >= 0 ? out_w : devnull_w, 1);
    dup2(err_w, 2);
    execv(opt.runtime, (char *const *)rargv);
    dprintf(2, "cannot run %s: %s", opt.runtime, strerror(errno));
    _exit(127);
  }
  if (in_r != devnull_r) close(in_r);
  if (out_w >= 0) close(out_w);
  close(err_w);

  /* The runtime's warnings and errors, with a terminal (without one they are the container's
   * stderr, logged as conmon logs them). */
  char runtime_err[BUF_SIZE] = "";
  size_t runtime_err_len = 0;
  int master = -1;
  int status;
  bool reaped = false;
  if (console_fd >= 0) {
    /* The runtime connects once it has made the terminal, or exits without doing so. */
    struct pollfd pf[3] = {{console_fd, POLLIN, 0}, {err_r, POLLIN, 0}, {sig_fd, POLLIN, 0}};
    while (master < 0 && !reaped) {
      if (poll(pf, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (pf[0].revents & POLLIN) {
        int conn = accept4(console_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) {
          master = receive_fd(conn);
          close(conn);
        }
        if (master < 0) break;
      }
      if (pf[1].revents & (POLLIN | POLLHUP)) {
        ssize_t r = read(err_r, runtime_err + runtime_err_len, sizeof runtime_err - 1 - runtime_err_len);
        if (r > 0) {
          runtime_err_len += (size_t)r;
        } else {
          pf[1].fd = -1; /* EOF: poll no more */
        }
      }
      if (pf[2].revents & POLLIN) {
        struct signalfd_siginfo si;
        while (read(sig_fd, &si, sizeof si) > 0) {
        }
        reaped = waitpid(runtime, &status, WNOHANG) == runtime;
      }
    }
    runtime_err[runtime_err_len] = '\0';
    close(console_fd);
    remove_console_dir();
  }

  while (!reaped && waitpid(runtime, &status, 0) < 0) {
    if (errno != EINTR) fail("waiting for %s: %s", opt.runtime, strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char why[BUF_SIZE];
    read_error_output(err_r, why, sizeof why);
    if (runtime_err_len > 0) {
      char rest[BUF_SIZE];
      snprintf(rest, sizeof rest, "%s", why);
      snprintf(why, sizeof why, "%s%s", runtime_err, rest);
    }
    if (why[0] == '\0') {
      snprintf(why, sizeof why, "%s %s exited with %d", opt.runtime, rargv[opt.n_runtime_args + 1],
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    fail("%s", why);
  }
  long container = read_pid_file(opt.pid_file);
  if (container <= 0) fail("%s left no pid in %s", opt.runtime, opt.pid_file);
  if (opt.terminal && master < 0) fail("%s sent no terminal", opt.runtime);
  if (opt.terminal) {
    close(err_r);
    err_r = -1;
    out_r = master;
    if (opt.stdin) in_w = fcntl(master, F_DUPFD_CLOEXEC, 0);
  }
  find_memory_cgroup(container);
  answer(container, NULL);
  close(link_fd);
  free(link);

  /* Until the container's first process ends: output to the log and to attached clients,
   * clients' input to its stdin, control messages, and reaping. */
  bool exited = false;
  int exit_status = 0;
  int drain_rounds = 0; /* after the exit: bounded, a process left in a shared pid namespace may
                         * hold the pipes and keep writing */
  char buf[BUF_SIZE];
  char ctl_buf[256];
  size_t ctl_len = 0;
  for (;;) {
    struct pollfd pf[5 + MAX_CLIENTS];
    int np = 0;
    int i_sig = np;
    pf[np++] = (struct pollfd){sig_fd, POLLIN, 0};
    int i_out = out_r >= 0 ? np : -1;
    if (out_r >= 0) pf[np++] = (struct pollfd){out_r, POLLIN, 0};
    int i_err = err_r >= 0 ? np : -1;
    if (err_r >= 0) pf[np++] = (struct pollfd){err_r, POLLIN, 0};
    int i_attach = np;
    pf[np++] = (struct pollfd){attach_fd, POLLIN, 0};
    int i_ctl = np;
    pf[np++] = (struct pollfd){ctl_fd, POLLIN, 0};
    int i_clients = np;
    int polled_clients = n_clients;
    for (int i = 0; i < n_clients; i++) {
      pf[np++] = (struct pollfd){clients[i], client_reads[i] ? POLLIN : 0, 0};
    }
    /* Once the process has ended, drain what its output pipes still hold, then stop. */
    int timeout = exited ? 0 : -1;
    int ready = poll(pf, (nfds_t)np, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (exited && (ready == 0 || ++drain_rounds > 256)) break;

    if (pf[i_sig].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sig_fd, &si, sizeof si) > 0) {
      }
      pid_t w;
      int s;
      while ((w = waitpid(-1, &s, WNOHANG)) > 0) {
        if (w == container) {
          exited = true;
          exit_status = s;
        }
      }
    }
    bool more_output = false;
    int streams[2][2] = {{i_out, STDOUT_STREAM}, {i_err, STDERR_STREAM}};
    for (int k = 0; k < 2; k++) {
      int idx = streams[k][0];
      if (idx < 0 || !(pf[idx].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(pf[idx].fd, buf, sizeof buf);
      if (r > 0) {
        write_log(streams[k][1], buf, (size_t)r);
        broadcast(streams[k][1], buf, (size_t)r);
        more_output = true;
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        /* EOF, or EIO from a terminal whose last slave closed */
        if (pf[idx].fd == out_r) {
          if (out_r != master) close(out_r);
          out_r = -1;
        } else {
          close(err_r);
          err_r = -1;
        }
      }
    }
    if (pf[i_ctl].revents & POLLIN) {
      ssize_t r = read(ctl_fd, ctl_buf + ctl_len, sizeof ctl_buf - 1 - ctl_len);
      if (r > 0) ctl_len += (size_t)r;
      char *nl;
      while ((nl = memchr(ctl_buf, '\n', ctl_len)) != NULL) {
        *nl = '\0';
        int type, height, width;
        if (sscanf(ctl_buf, "%d %d %d", &type, &height, &width) == 3) {
          if (type == 1 && master >= 0) {
            struct winsize ws = {.ws_row = (unsigned short)height, .ws_col = (unsigned short)width};
            ioctl(master, TIOCSWINSZ, &ws);
          } else if (type == 2) {
            reopen_log();
          }
        }
        size_t used = (size_t)(nl - ctl_buf) + 1;
        memmove(ctl_buf, nl + 1, ctl_len - used);
        ctl_len -= used;
      }
      if (ctl_len == sizeof ctl_buf - 1) ctl_len = 0; /* a line too long for any message */
    }
    /* The clients polled this round, found by fd: a broadcast may have dropped some (and moved
     * others), and one accepted above was not polled yet. */
    for (int j = 0; j < polled_clients; j++) {
      short rev = pf[i_clients + j].revents;
      int i = client_index(pf[i_clients + j].fd);
      if (i < 0 || rev == 0) continue;
      if (rev & POLLIN) {
        ssize_t r = recv(clients[i], buf, sizeof buf, 0);
        if (r > 0) {
          if (in_w >= 0) write_all(in_w, buf, (size_t)r);
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        /* The client shut its sending side: stdin_once closes the container's stdin. */
        client_reads[i] = false;
        if (in_w >= 0 && !opt.leave_stdin_open) {
          close(in_w);
          in_w = -1;
        }
        if (r < 0) drop_client(i);
      } else if (rev & (POLLHUP | POLLERR)) {
        drop_client(i);
      }
    }
    /* New clients last: an fd just closed above may come back from accept. */
    if (pf[i_attach].revents & POLLIN) {
      int conn = accept4(attach_fd, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        if (n_clients == MAX_CLIENTS) {
          close(conn);
        } else {
          clients[n_clients] = conn;
          client_reads[n_clients] = true;
          n_clients++;
        }
      }
    }
    if (exited && !more_output && out_r < 0 && err_r < 0) break;
  }

  /* The outcome, "oom" first: the daemon reads it once it sees the exit file. */
  int code = WIFEXITED(exit_status) ? WEXITSTATUS(exit_status) : 128 + WTERMSIG(exit_status);
  if (oom_killed()) {
    char *oom = join(opt.persist_dir, "oom");
    write_file_atomic(oom, "");
  }
  char text[16];
  snprintf(text, sizeof text, "%d", code);
  write_file_atomic(join(opt.persist_dir, "exit"), text);
  write_file_atomic(join(opt.exit_dir, opt.cid), text);
  return 0;
}
