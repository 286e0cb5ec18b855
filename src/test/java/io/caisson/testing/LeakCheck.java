package io.caisson.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a test may leave behind on the node, taken before and compared after: mounts, network links,
 * iptables NAT rules, monitor (conmon or Caisson's) and runc processes, and anything under the
 * test's own dirs. Every integration test that touches the kernel takes a snapshot first and checks
 * it at the end.
 */
public final class LeakCheck {
  private final Path scope;
  private final Set<String> mounts;
  private final Set<String> monitors;

  private LeakCheck(Path scope) throws IOException {
    this.scope = scope;
    this.mounts = mounts();
    this.monitors = monitors();
  }

  /**
   * @param scope the test's own directory: mounts and monitor processes are compared only there, so
   *     other work on the node (another daemon, a benchmark) cannot fail the test
   */
  public static LeakCheck snapshot(Path scope) throws IOException {
    return new LeakCheck(scope.toAbsolutePath());
  }

  /** Fails naming every mount and monitor process that appeared since. */
  public void assertNothingLeaked() throws IOException {
    assertThat(added(mounts, mounts())).as("mounts left behind").isEmpty();
    assertThat(added(monitors, monitors())).as("monitor/runc processes left behind").isEmpty();
  }

  private static List<String> added(Set<String> before, Set<String> after) {
    List<String> added = new ArrayList<>(after);
    added.removeAll(before);
    return added;
  }

  private Set<String> mounts() throws IOException {
    Set<String> points = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      if (fields[4].startsWith(scope.toString())) {
        points.add(fields[4]);
      }
    }
    return points;
  }

  private Set<String> monitors() {
    Set<String> found = new TreeSet<>();
    ProcessHandle.allProcesses()
        .forEach(
            process -> {
              String command = process.info().command().orElse("");
              String args = String.join(" ", process.info().arguments().orElse(new String[0]));
              if ((command.endsWith("/conmon")
                      || command.endsWith("/caisson-monitor")
                      || command.endsWith("/runc"))
                  && args.contains(scope.toString())) {
                found.add(process.pid() + " " + command);
              }
            });
    return found;
  }
}
