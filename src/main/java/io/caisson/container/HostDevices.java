package io.caisson.container;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.Device;
import io.caisson.oci.OciSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host's device nodes a container gets: those kubelet asks for (a device plugin's GPUs, FPGAs,
 * {@code /dev/fuse} ...) and, for a privileged container, every device under {@code /dev}, as
 * containerd and CRI-O give one. Each becomes a node runc creates in the container (or binds, in a
 * user namespace) with the host node's type, numbers, mode and owner, and a device-cgroup rule
 * allowing exactly the access asked for.
 */
public final class HostDevices {
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;
  // Never a host device in a container: the terminal runc sets up for it, the multiplexer of the
  // host's terminals, and the directories that are filesystems of their own (the container gets
  // its own devpts, shm and mqueue; fd is a link into /proc).
  private static final Set<String> SKIPPED = Set.of("console", "ptmx");
  private static final Set<String> SKIPPED_DIRS =
      Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");

  /** A device node for the spec and the cgroup access (a subset of "rwm") allowed to it. */
  public record Granted(OciSpec.Device node, String access) {}

  private HostDevices() {}

  /**
   * The devices of a CRI config. A host path that is a directory gives every device below it, at
   * the same place below the container path; a symlink is followed (device plugins often name
   * {@code /dev/disk/by-id/...}).
   */
  public static List<Granted> requested(List<Device> devices) {
    List<Granted> granted = new ArrayList<>();
    for (Device device : devices) {
      String access = access(device);
      String containerPath =
          device.getContainerPath().isEmpty() ? device.getHostPath() : device.getContainerPath();
      if (!containerPath.startsWith("/")) {
        throw CaissonException.invalid(
            "device %s: container_path '%s' is not absolute", device.getHostPath(), containerPath);
      }
      Path host = Path.of(device.getHostPath());
      if (!host.isAbsolute()) {
        throw CaissonException.invalid(
            "device host_path '%s' is not absolute", device.getHostPath());
      }
      Path real;
      try {
        real = host.toRealPath();
      } catch (NoSuchFileException e) {
        throw CaissonException.invalid("device %s does not exist on this node", host);
      } catch (IOException e) {
        throw CaissonException.invalid("device %s cannot be looked at: %s", host, e.getMessage());
      }
      if (Files.isDirectory(real)) {
        for (Path path : nodesUnder(real, Set.of())) {
          OciSpec.Device node = node(path, containerPath + "/" + real.relativize(path));
          if (node != null) {
            granted.add(new Granted(node, access));
          }
        }
      } else {
        OciSpec.Device node = node(real, containerPath);
        if (node == null) {
          throw CaissonException.invalid(
              "device %s is neither a character nor a block device nor a directory of them", host);
        }
        granted.add(new Granted(node, access));
      }
    }
    return granted;
  }

  /** Every device node under {@code dev} (the host's {@code /dev}), for a privileged container. */
  public static List<Granted> all(Path dev) {
    return nodesUnder(dev, SKIPPED_DIRS).stream()
        .filter(path -> !(path.getParent().equals(dev) && SKIPPED.contains(name(path))))
        .map(path -> node(path, "/dev/" + dev.relativize(path)))
        .filter(node -> node != null)
        .map(node -> new Granted(node, "rwm"))
        .toList();
  }

  /** The access of a CRI device: kubelet passes a device plugin's, e.g. "rw" or "mrw". */
  static String access(Device device) {
    String permissions = device.getPermissions();
    if (permissions.isEmpty()) {
      return "rwm";
    }
    if (!permissions.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
      throw CaissonException.invalid(
          "device %s: permissions '%s' are not a combination of r, w and m",
          device.getHostPath(), permissions);
    }
    return permissions;
  }

  /** Linux's dev_t split into its major and minor numbers (the glibc encoding). */
  static long major(long rdev) {
    return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
  }

  static long minor(long rdev) {
    return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
  }

  /** The device nodes (not links) below {@code dir}, skipping the named subdirectories. */
  private static List<Path> nodesUnder(Path dir, Set<String> skippedDirs) {
    List<Path> nodes = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path entry : entries.sorted().toList()) {
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          if (!skippedDirs.contains(name(entry))) {
            nodes.addAll(nodesUnder(entry, skippedDirs));
          }
        } else if (!Files.isSymbolicLink(entry) && !Files.isRegularFile(entry)) {
          nodes.add(entry); // devices, and sockets and FIFOs that node() turns away
        }
      }
    } catch (NoSuchFileException e) {
      // gone while we looked (a hot-unplugged device): nothing to give
    } catch (IOException e) {
      throw CaissonException.internal("cannot list the devices under " + dir, e);
    }
    return nodes;
  }

  /**
   * A node on the host as a container spec describes one: its type ({@code c}, {@code b}, or {@code
   * p} for a FIFO), numbers, permission bits and owner.
   */
  public record HostNode(
      String type, long major, long minor, int permissions, long uid, long gid) {}

  /**
   * What the node at {@code path} is; null when it is neither a device nor a FIFO.
   *
   * @param options {@link LinkOption#NOFOLLOW_LINKS} to describe a link itself, not its target
   */
  public static HostNode describe(Path path, LinkOption... options) throws IOException {
    Map<String, Object> stat = Files.readAttributes(path, "unix:mode,rdev,uid,gid", options);
    int mode = (Integer) stat.get("mode");
    String type =
        switch (mode & S_IFMT) {
          case S_IFCHR -> "c";
          case S_IFBLK -> "b";
          case S_IFIFO -> "p";
          default -> null;
        };
    if (type == null) {
      return null;
    }
    long rdev = (Long) stat.get("rdev");
    return new HostNode(
        type,
        major(rdev),
        minor(rdev),
        mode & 0777,
        (long) (Integer) stat.get("uid"),
        (long) (Integer) stat.get("gid"));
  }

  /** The spec's node for a host device at {@code containerPath}; null if it is not a device. */
  private static OciSpec.Device node(Path host, String containerPath) {
    HostNode node;
    try {
      node = describe(host, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
    if (node == null || node.type().equals("p")) {
      return null;
    }
    return new OciSpec.Device(
        containerPath,
        node.type(),
        node.major(),
        node.minor(),
        node.permissions(),
        node.uid(),
        node.gid());
  }

  private static String name(Path path) {
    return path.getFileName().toString();
  }
}
