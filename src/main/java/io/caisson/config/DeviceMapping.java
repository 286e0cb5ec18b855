package io.caisson.config;

/**
 * One of the node's {@code additional_devices}, written as CRI-O writes them: {@code
 * HOST[:CONTAINER[:PERMISSIONS]]}; the container path defaults to the host's, the permissions to
 * rwm.
 */
public record DeviceMapping(String hostPath, String containerPath, String permissions) {
  /** Parses an entry; an IllegalArgumentException names one that is not. */
  public static DeviceMapping parse(String entry) {
    String[] parts = entry.split(":", -1);
    String host = parts[0];
    String container = parts.length > 1 ? parts[1] : host;
    String permissions = parts.length > 2 ? parts[2] : "rwm";
    if (parts.length > 3
        || !host.startsWith("/")
        || !container.startsWith("/")
        || permissions.isEmpty()
        || !permissions.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
      throw new IllegalArgumentException(
          "'" + entry + "' is not HOST[:CONTAINER[:PERMISSIONS]] with absolute paths and r, w, m");
    }
    return new DeviceMapping(host, container, permissions);
  }
}
