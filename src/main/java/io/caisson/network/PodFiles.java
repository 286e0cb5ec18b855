package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The three files a pod's containers get at {@code /etc/hostname}, {@code /etc/resolv.conf} and
 * {@code /etc/hosts}, written once per sandbox into a directory of its own. Files are replaced by
 * rename, so write them before containers bind-mount them.
 */
public final class PodFiles {
  public static final String HOSTNAME = "hostname";
  public static final String RESOLV_CONF = "resolv.conf";
  public static final String HOSTS = "hosts";

  // Linux allows 64 bytes; RFC 1123 labels joined by dots, letters case-insensitive.
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "[A-Za-z0-9]([A-Za-z0-9\\-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9\\-]*[A-Za-z0-9])?)*");
  private static final int MAX_HOSTNAME = 64;

  // The loopback names a pod's hosts file always has, as Docker and containerd write them.
  private static final String LOCALHOST_ENTRIES =
      """
      127.0.0.1\tlocalhost
      ::1\tlocalhost ip6-localhost ip6-loopback
      fe00::0\tip6-localnet
      fe00::0\tip6-mcastprefix
      fe00::1\tip6-allnodes
      fe00::2\tip6-allrouters
      """;

  /**
   * What to write.
   *
   * @param hostname the pod's hostname (for host-network pods, the node's)
   * @param dns the pod's resolver config; empty or absent means a copy of the host's resolv.conf
   * @param podIps the pod's addresses, mapped to its hostname in hosts; may be empty
   * @param hostNetwork the pod uses the node's network, so it gets the node's hosts file
   */
  public record Spec(
      String hostname, Optional<DnsConfig> dns, List<String> podIps, boolean hostNetwork) {
    public Spec {
      // A pod's own hostname is checked as a host name before anything is made; the node's is
      // taken as the kernel has it, and only needs to be one line of a file.
      if (hostname == null
          || hostname.isEmpty()
          || hostname.length() > MAX_HOSTNAME
          || hostname
              .chars()
              .anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw CaissonException.invalid("\"%s\" is not a valid hostname", hostname);
      }
      dns = dns == null ? Optional.empty() : dns;
      podIps = List.copyOf(podIps == null ? List.of() : podIps);
      for (String ip : podIps) {
        try {
          InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
          throw CaissonException.invalid("pod IP \"%s\" is not an IP address", ip);
        }
      }
    }
  }

  /** Whether a pod may ask for {@code name} as its hostname: RFC 1123 labels, 64 bytes at most. */
  public static boolean isHostName(String name) {
    return !name.isEmpty() && name.length() <= MAX_HOSTNAME && HOST_NAME.matcher(name).matches();
  }

  private final Path hostResolvConf;
  private final Path hostHosts;

  /** Copies the node's own files from /etc when a pod takes them from the host. */
  public PodFiles() {
    this(Path.of("/etc/resolv.conf"), Path.of("/etc/hosts"));
  }

  public PodFiles(Path hostResolvConf, Path hostHosts) {
    this.hostResolvConf = hostResolvConf;
    this.hostHosts = hostHosts;
  }

  /** Writes hostname, resolv.conf and hosts into {@code dir}, creating it if needed. */
  public void write(Path dir, Spec spec) {
    try {
      Files.createDirectories(dir);
      write(dir.resolve(HOSTNAME), spec.hostname() + "\n");
      write(dir.resolve(RESOLV_CONF), resolvConf(spec));
      write(dir.resolve(HOSTS), hosts(spec));
    } catch (IOException e) {
      throw CaissonException.internal("cannot write the pod's network files in " + dir, e);
    }
  }

  private String resolvConf(Spec spec) throws IOException {
    Optional<DnsConfig> dns = spec.dns().filter(d -> !d.isEmpty());
    if (dns.isPresent()) {
      return dns.get().resolvConf();
    }
    return hostFile(hostResolvConf);
  }

  private String hosts(Spec spec) throws IOException {
    if (spec.hostNetwork()) {
      return hostFile(hostHosts);
    }
    StringBuilder text = new StringBuilder(LOCALHOST_ENTRIES);
    // The hostname resolves to the pod IPs, IPv4 first, so tools that take the first answer get
    // the same address kubelet reports.
    spec.podIps().stream()
        .sorted((a, b) -> Boolean.compare(!isV4(a), !isV4(b)))
        .forEach(ip -> text.append(ip).append('\t').append(spec.hostname()).append('\n'));
    return text.toString();
  }

  private static boolean isV4(String ip) {
    return InetAddress.ofLiteral(ip) instanceof Inet4Address;
  }

  /** A node file's text; a node without one gives the pod an empty file, as the node has. */
  private static String hostFile(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  // The files live in the sandbox's dir under the volatile state dir (tmpfs on most nodes): a
  // reboot takes them with the pod's namespaces, so they need to be whole, never flushed to disk.
  private static void write(Path file, String text) throws IOException {
    AtomicFiles.replace(file, text.getBytes(StandardCharsets.UTF_8), "rw-r--r--");
  }
}
