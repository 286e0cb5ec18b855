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
 * iptables NAT rules, conmon and runc processes, and anything under the test's own dirs. Every
 * integration test that touches the kernel takes a snapshot first and checks it at the end.
 */
public final class LeakCheck {
  private final Set<String> mounts;
  private final Set<String> links;
  private final Set<String> natRules;
  private final Set<String> monitors;

  private LeakCheck() throws IOException {
    this.mounts = mounts();
    this.links = links();
    this.natRules = natRules();
    this.monitors = monitors();
  }

  public static LeakCheck snapshot() throws IOException {
    return new LeakCheck();
  }

  /** Fails naming every mount, link, NAT rule and monitor process that appeared since. */
  public void assertNothingLeaked() throws IOException {
    assertThat(added(mounts, mounts())).as("mounts left behind").isEmpty();
    assertThat(added(links, links())).as("network links left behind").isEmpty();
    assertThat(added(natRules, natRules())).as("iptables NAT rules left behind").isEmpty();
    assertThat(added(monitors, monitors())).as("conmon/runc processes left behind").isEmpty();
  }

  private static List<String> added(Set<String> before, Set<String> after) {
    List<String> added = new ArrayList<>(after);
    added.removeAll(before);
    return added;
  }

  private static Set<String> mounts() throws IOException {
    Set<String> points = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      points.add(fields[4]);
    }
    return points;
  }

  private static Set<String> links() throws IOException {
    Set<String> names = new TreeSet<>();
    try (var entries = Files.list(Path.of("/sys/class/net"))) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  private static Set<String> natRules() throws IOException {
    return new TreeSet<>(
        run("iptables-save", "-t", "nat").lines().filter(l -> l.startsWith("-A")).toList());
  }

  private static Set<String> monitors() {
    Set<String> found = new TreeSet<>();
    ProcessHandle.allProcesses()
        .forEach(
            process ->
                process
                    .info()
                    .command()
                    .filter(command -> command.endsWith("/conmon") || command.endsWith("/runc"))
                    .ifPresent(command -> found.add(process.pid() + " " + command)));
    return found;
  }

  private static String run(String... command) throws IOException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes());
      process.waitFor();
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + command[0], e);
    }
  }
}
