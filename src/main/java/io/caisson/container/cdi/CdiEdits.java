package io.caisson.container.cdi;

import io.caisson.common.CaissonException;
import io.caisson.container.HostDevices;
import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Collects the container edits of the devices a container gets, checking each against the node as
 * it comes: a device node's host node must exist (its type, numbers and mode fill what the spec
 * left out), paths must be absolute, hooks must name an OCI stage. Problems are the node's specs',
 * not the request's: FAILED_PRECONDITION naming the device and its spec file.
 */
final class CdiEdits {
  private static final List<String> STAGES = OciSpecBuilder.HOOK_STAGES;

  private final List<String> env = new ArrayList<>();
  private final List<CdiInjection.Node> nodes = new ArrayList<>();
  private final List<OciSpec.Mount> mounts = new ArrayList<>();
  private final List<CdiInjection.StageHook> hooks = new ArrayList<>();
  private final List<Long> gids = new ArrayList<>();

  /**
   * @param source the device and spec file the edits come from, for messages
   */
  void add(String source, CdiSpec.ContainerEdits edits) {
    if (edits.intelRdt() != null && !edits.intelRdt().isNull()) {
      throw new CaissonException(
          CaissonException.Kind.UNIMPLEMENTED,
          "CDI device " + source + " asks for Intel RDT settings, which Caisson does not apply");
    }
    if (edits.netDevices() != null && !edits.netDevices().isNull()) {
      throw new CaissonException(
          CaissonException.Kind.UNIMPLEMENTED,
          "CDI device " + source + " asks for network devices, which Caisson does not move");
    }
    for (String entry : nullToEmpty(edits.env())) {
      if (entry == null || entry.indexOf('=') < 1) {
        throw wrong(source, "env entry '%s' is not KEY=value", entry);
      }
      env.add(entry);
    }
    for (CdiSpec.DeviceNode node : nullToEmpty(edits.deviceNodes())) {
      nodes.add(node(source, node));
    }
    for (CdiSpec.Mount mount : nullToEmpty(edits.mounts())) {
      absolute(source, "mount hostPath", mount.hostPath());
      absolute(source, "mount containerPath", mount.containerPath());
      mounts.add(
          new OciSpec.Mount(
              mount.containerPath(),
              mount.type() == null || mount.type().isEmpty() ? null : mount.type(),
              mount.hostPath(),
              nullToEmpty(mount.options())));
    }
    for (CdiSpec.Hook hook : nullToEmpty(edits.hooks())) {
      if (!STAGES.contains(hook.hookName())) {
        throw wrong(source, "hook stage '%s' is not one of %s", hook.hookName(), STAGES);
      }
      absolute(source, "hook path", hook.path());
      if (hook.timeout() != null && hook.timeout() <= 0) {
        throw wrong(source, "hook %s: timeout %d is not positive", hook.path(), hook.timeout());
      }
      hooks.add(
          new CdiInjection.StageHook(
              hook.hookName(),
              new OciSpec.Hook(
                  hook.path(), nullToEmpty(hook.args()), nullToEmpty(hook.env()), hook.timeout())));
    }
    for (Long gid : nullToEmpty(edits.additionalGids())) {
      if (gid == null || gid < 0 || gid > 0xFFFF_FFFFL) {
        throw wrong(source, "additional gid %s is not a group id", gid);
      }
      // Group 0 is left out, as the CDI specification's reference implementation does: a device
      // never needs the root group.
      if (gid != 0 && !gids.contains(gid)) {
        gids.add(gid);
      }
    }
  }

  CdiInjection injection(List<String> devices) {
    return new CdiInjection(
        List.copyOf(devices),
        List.copyOf(env),
        List.copyOf(nodes),
        List.copyOf(mounts),
        List.copyOf(hooks),
        List.copyOf(gids));
  }

  /** The spec's node with what it leaves out taken from the host's node. */
  private static CdiInjection.Node node(String source, CdiSpec.DeviceNode node) {
    absolute(source, "device node path", node.path());
    String hostPath =
        node.hostPath() == null || node.hostPath().isEmpty() ? node.path() : node.hostPath();
    absolute(source, "device node hostPath", hostPath);
    String access =
        node.permissions() == null || node.permissions().isEmpty() ? "rwm" : node.permissions();
    if (!access.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
      throw wrong(
          source, "device %s: permissions '%s' are not made of r, w and m", node.path(), access);
    }
    String type = node.type() == null || node.type().isEmpty() ? null : node.type();
    if (type != null && !Set.of("c", "b", "u", "p").contains(type)) {
      throw wrong(source, "device %s: type '%s' is not c, b, u or p", node.path(), type);
    }
    long major = node.major() == null ? 0 : node.major();
    long minor = node.minor() == null ? 0 : node.minor();
    Integer fileMode = node.fileMode() == null ? null : node.fileMode() & 07777;
    boolean complete = type != null && (major != 0 || type.equals("p"));
    // As the CDI specification's reference implementation: the host node is looked at only when
    // the spec leaves its type or numbers out (a complete spec may name a node runc makes).
    if (!complete) {
      HostDevices.HostNode host;
      try {
        host = HostDevices.describe(Path.of(hostPath));
      } catch (NoSuchFileException e) {
        throw wrong(source, "device %s: host node %s does not exist", node.path(), hostPath);
      } catch (IOException e) {
        throw wrong(source, "device %s: host node %s: %s", node.path(), hostPath, e.getMessage());
      }
      if (host == null) {
        throw wrong(source, "device %s: %s is not a device node", node.path(), hostPath);
      }
      if (fileMode == null) {
        fileMode = host.permissions();
      }
      if (type != null
          && !type.equals(host.type())
          && !(type.equals("u") && host.type().equals("c"))) {
        throw wrong(
            source,
            "device %s: type %s, but host node %s is of type %s",
            node.path(),
            type,
            hostPath,
            host.type());
      }
      if (type == null) {
        type = host.type();
      }
      if (!type.equals("p")) {
        major = host.major();
        minor = host.minor();
      }
    }
    OciSpec.Device device =
        new OciSpec.Device(node.path(), type, major, minor, fileMode, node.uid(), node.gid());
    return new CdiInjection.Node(device, type.equals("p") ? null : access);
  }

  private static void absolute(String source, String what, String path) {
    if (path == null || !path.startsWith("/")) {
      throw wrong(source, "%s '%s' is not an absolute path", what, path);
    }
  }

  private static CaissonException wrong(String source, String format, Object... args) {
    return CaissonException.precondition(
        "CDI device %s cannot be applied: %s", source, format.formatted(args));
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
