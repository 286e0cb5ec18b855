package io.caisson.container.cdi;

import io.caisson.oci.OciSpec;
import io.caisson.oci.OciSpecBuilder;
import java.util.Comparator;
import java.util.List;

/**
 * What the CDI devices a container asked for add to its spec, checked against the node already:
 * every host node exists and its type and numbers are known, so applying cannot fail half way.
 *
 * @param devices the qualified names injected, in the order asked
 * @param env {@code KEY=value} entries, later ones overriding earlier ones of the same key
 * @param nodes device nodes, each with its device-cgroup access (null for a FIFO, which has none)
 * @param mounts mounts, applied parents first
 * @param hooks OCI hooks with their stage
 * @param additionalGids supplementary groups for the container's process
 */
public record CdiInjection(
    List<String> devices,
    List<String> env,
    List<Node> nodes,
    List<OciSpec.Mount> mounts,
    List<StageHook> hooks,
    List<Long> additionalGids) {

  /** A device node; {@code uid}/{@code gid} of its spec may be null: the process's then. */
  public record Node(OciSpec.Device device, String access) {}

  /** A hook for one of the OCI stages (createRuntime, poststop ...). */
  public record StageHook(String stage, OciSpec.Hook hook) {}

  public static final CdiInjection NONE =
      new CdiInjection(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  public boolean isEmpty() {
    return devices.isEmpty();
  }

  /**
   * Applies the edits after everything else the spec has, as the CDI specification orders it. A
   * node whose spec names no owner is given the process's user and group (when not root), so a
   * container running as a user can open the device it was given.
   */
  public void applyTo(OciSpecBuilder spec) {
    for (String entry : env) {
      int eq = entry.indexOf('=');
      spec.setEnv(entry.substring(0, eq), entry.substring(eq + 1));
    }
    for (Node node : nodes) {
      OciSpec.Device d = node.device();
      Long uid = d.uid() != null ? d.uid() : spec.uid() > 0 ? Long.valueOf(spec.uid()) : null;
      Long gid = d.gid() != null ? d.gid() : spec.gid() > 0 ? Long.valueOf(spec.gid()) : null;
      OciSpec.Device owned =
          new OciSpec.Device(d.path(), d.type(), d.major(), d.minor(), d.fileMode(), uid, gid);
      if (node.access() == null) {
        spec.deviceNode(owned);
      } else if (owned.type().equals("u")) {
        // An unbuffered character device: the device cgroup knows it as a character device.
        spec.deviceNode(owned);
        spec.deviceRule(
            new OciSpec.DeviceRule(true, "c", owned.major(), owned.minor(), node.access()));
      } else {
        spec.device(owned, node.access());
      }
    }
    mounts.stream()
        .sorted(Comparator.comparingLong(m -> depth(m.destination())))
        .forEach(spec::mount);
    for (StageHook hook : hooks) {
      spec.addHook(hook.stage(), hook.hook());
    }
    spec.addAdditionalGids(additionalGids);
  }

  private static long depth(String path) {
    return path.chars().filter(c -> c == '/').count() - (path.endsWith("/") ? 1 : 0);
  }
}
