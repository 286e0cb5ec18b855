package io.caisson.linux;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process in a new user namespace (and new namespaces of other kinds owned by it), holding them
 * until closed. A thread of this multi-threaded JVM may not unshare or join a user namespace, so
 * util-linux's {@code unshare} does it; the id maps are written from here, as the host's root may
 * map any range.
 */
final class UserNamespaceHolder implements AutoCloseable {
  private final SpawnedProcess process;

  private UserNamespaceHolder(SpawnedProcess process) {
    this.process = process;
  }

  /**
   * @param others the kinds of namespace to create beside the user namespace, owned by it
   * @param uidMap the uid_map line, e.g. {@code "0 100000 65536\n"} (likewise gidMap)
   */
  static UserNamespaceHolder start(List<Namespaces.Kind> others, String uidMap, String gidMap)
      throws IOException {
    List<String> argv = new ArrayList<>(List.of("unshare", "--user"));
    for (Namespaces.Kind kind : others) {
      argv.add("--" + kind.procName());
    }
    // Says it is inside, then waits for its stdin to close.
    argv.addAll(List.of("--", "/bin/sh", "-c", "echo inside && read _"));
    SpawnedProcess process =
        new Spawn(argv).stdin(Spawn.Stdio.PIPE).stdout(Spawn.Stdio.PIPE).start();
    UserNamespaceHolder holder = new UserNamespaceHolder(process);
    try {
      String line =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8)).readLine();
      if (!"inside".equals(line)) {
        throw new IOException(
            "unshare --user could not make a user namespace (exit " + process.waitFor() + ")");
      }
      Files.writeString(holder.proc().resolve("uid_map"), uidMap);
      Files.writeString(holder.proc().resolve("gid_map"), gidMap);
      return holder;
    } catch (IOException | RuntimeException e) {
      holder.close();
      throw e;
    } catch (InterruptedException e) {
      holder.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making a user namespace", e);
    }
  }

  /** The holder's namespace file of this kind ({@code user}, {@code net}...). */
  Path namespace(String procName) {
    return proc().resolve("ns").resolve(procName);
  }

  private Path proc() {
    return Path.of("/proc", Long.toString(process.pid()));
  }

  /** Lets the holder go: its namespaces live on only where they were pinned. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
      process.getInputStream().close();
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
