package io.caisson.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI runtimes a pod can name through CRI's runtime handler: runc-compatible binaries, each
 * with a state root of its own. A pod's containers, and its infra process, all run with the runtime
 * the pod was created with; one conmon binary drives them all.
 */
public final class OciRuntimes {
  private static final Logger LOG = LoggerFactory.getLogger(OciRuntimes.class);

  /**
   * The runtime a pod was made with, kept in the pod's record: a pod goes on with the binary and
   * state root it started with even when a later config changes or drops its handler (runc's state
   * of its containers is under that root, and only that binary knows how to stop them).
   *
   * @param handler the configured name (never "": the default handler's own name)
   * @param binary the runtime executable
   * @param root its state root
   * @param privilegedWithoutHostDevices the pod's privileged containers do not get the node's
   *     devices
   */
  public record Binding(
      String handler, String binary, String root, boolean privilegedWithoutHostDevices) {}

  private final Map<String, Runc> byName;
  private final Set<String> withoutHostDevices;
  private final Runc standard;
  private final String standardName;
  // Runtimes of pods whose handler the config no longer has as it was: made once per binding.
  private final ConcurrentHashMap<Binding, Runc> former = new ConcurrentHashMap<>();

  /**
   * @param byName the handlers in the order configured
   * @param withoutHostDevices the handlers whose privileged containers do not get the node's
   *     devices
   * @param standardName the handler of pods that name none
   */
  public OciRuntimes(
      Map<String, Runc> byName, Set<String> withoutHostDevices, String standardName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    this.withoutHostDevices = Set.copyOf(withoutHostDevices);
    this.standard = byName.get(standardName);
    if (standard == null) {
      throw new IllegalArgumentException("no runtime handler " + standardName);
    }
    this.standardName = standardName;
  }

  /**
   * What a new pod asking for {@code handler} binds to ("" for the default).
   *
   * @return empty for a handler not configured
   */
  public Optional<Binding> bind(String handler) {
    String name = resolved(handler);
    Runc runtime = byName.get(name);
    return Optional.ofNullable(runtime)
        .map(
            r ->
                new Binding(
                    name,
                    r.binary().toString(),
                    r.root().toString(),
                    withoutHostDevices.contains(name)));
  }

  /**
   * The runtime of a pod bound as given: the configured handler while it is still the same binary
   * and root, otherwise the one the pod was made with; the default for records without a binding.
   */
  public Runc of(Binding binding) {
    if (binding == null) {
      return standard;
    }
    Runc configured = byName.get(binding.handler());
    if (configured != null
        && configured.binary().toString().equals(binding.binary())
        && configured.root().toString().equals(binding.root())) {
      return configured;
    }
    return former.computeIfAbsent(
        binding,
        b -> {
          LOG.warn(
              "runtime handler {} {}: its pods made before keep running with {} (root {}) until"
                  + " removed",
              b.handler(),
              configured == null ? "is no longer configured" : "is configured differently now",
              b.binary(),
              b.root());
          return new Runc(Path.of(b.binary()), Path.of(b.root()));
        });
  }

  /** The handler of pods that name none. */
  public Runc standard() {
    return standard;
  }

  /**
   * The handler called {@code name}; the default one for "".
   *
   * @return null for a name not configured
   */
  public Runc named(String name) {
    return byName.get(resolved(name));
  }

  /** A handler's configured name: the default one's for "", as kubelet sends it. */
  private String resolved(String handler) {
    return handler.isEmpty() ? standardName : handler;
  }

  /** The handlers' names, in the order configured. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /**
   * One runtime per distinct state root: what lists every container Caisson's runtimes know, each
   * exactly once.
   */
  public List<Runc> byRoot() {
    Map<Path, Runc> roots = new LinkedHashMap<>();
    roots.put(standard.root(), standard);
    for (Runc runtime : inUse()) {
      roots.putIfAbsent(runtime.root(), runtime);
    }
    return new ArrayList<>(roots.values());
  }

  /** The configured handlers' runtimes, then those of pods made with a handler since changed. */
  public List<Runc> inUse() {
    List<Runc> all = new ArrayList<>(byName.values());
    all.addAll(former.values());
    return all;
  }

  /** A runtime no handler is configured with any more and no known pod was made with. */
  public Runc unconfigured(Path binary, Path root) {
    return new Runc(binary, root);
  }
}
