package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ADD, CHECK and DEL of one network's plugin chain for one attachment, as the CNI spec orders them:
 * ADD runs the plugins in order, each getting the previous one's result as "prevResult"; DEL runs
 * them in reverse with the cached ADD result; CHECK in order with the cached result.
 *
 * <p>Every attachment is cached under the state dir (see {@link AttachmentCache}) so DEL works
 * after a daemon restart, even if the config dir changed meanwhile, and is idempotent: a DEL with
 * nothing cached (never added, or already deleted) succeeds without running anything. A failed ADD
 * DELs the plugins that ran, undoing IP allocations, veths and port-mapping rules. Callers
 * serialise operations on one container id.
 */
public final class CniRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CniRunner.class);

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private final CniPlugins plugins;
  private final AttachmentCache cache;
  private final CniExec exec;

  /**
   * @param stateDir where attachments are cached; must survive a daemon restart (and should survive
   *     a reboot as long as IPAM state does, e.g. under /var/lib)
   */
  public CniRunner(CniPlugins plugins, Path stateDir, Duration timeout) {
    this.plugins = plugins;
    this.cache = new AttachmentCache(stateDir);
    this.exec = new CniExec(timeout);
  }

  public CniPlugins plugins() {
    return plugins;
  }

  /** An ADD whose intent is on disk and whose plugins have not run yet: see {@link #prepareAdd}. */
  public record PendingAdd(CniConfig network, CniAttachment attachment) {}

  /**
   * ADD over the chain: {@link #prepareAdd} then {@link #add(PendingAdd)}.
   *
   * @throws CaissonException ALREADY_EXISTS when this attachment was already added
   */
  public CniResult add(CniConfig network, CniAttachment attachment) {
    return add(prepareAdd(network, attachment));
  }

  /**
   * The first half of ADD, which runs no plugin: refuses an attachment that is already complete,
   * DELs one that a crash cut short, and flushes the intent (the cache entry without a result) that
   * lets a restarted daemon undo an ADD it died in. A caller may do this while it sets up what the
   * plugins need (the network namespace), as it needs none of it; then {@link #add(PendingAdd)} or,
   * if no plugin is to run after all, {@link #abandon}.
   *
   * @throws CaissonException ALREADY_EXISTS when this attachment was already added
   */
  public PendingAdd prepareAdd(CniConfig network, CniAttachment attachment) {
    Optional<AttachmentCache.Entry> existing =
        cache.read(attachment.containerId(), attachment.ifName());
    if (existing.isPresent()) {
      if (existing.get().result().isPresent()) {
        throw CaissonException.alreadyExists(
            "%s is already attached to network \"%s\" as %s",
            attachment.containerId(), existing.get().config().name(), attachment.ifName());
      }
      // An ADD interrupted by a crash: undo it before starting over.
      del(attachment.containerId(), attachment.ifName());
    }
    cache.write(
        new AttachmentCache.Entry(attachment, network, Optional.empty(), OptionalInt.empty()));
    return new PendingAdd(network, attachment);
  }

  /**
   * Runs the chain of a prepared ADD. On failure the plugins that ran are DELeted and the cache
   * entry removed, and the exception names the failing plugin and carries its message.
   */
  public CniResult add(PendingAdd pending) {
    CniConfig network = pending.network();
    CniAttachment attachment = pending.attachment();
    int started = 0;
    JsonValue previous = null;
    try {
      for (JsonObject plugin : network.plugins()) {
        String type = plugin.get("type").asText();
        Path binary = binary(network, type);
        started++;
        byte[] out = exec.run(call("ADD", network, plugin, binary, attachment, previous));
        previous = parseResult(network, type, out);
      }
      if (previous == null) {
        throw new IllegalStateException("a network config without plugins");
      }
      CniResult result = CniResult.parse(previous);
      cache.complete(attachment.containerId(), attachment.ifName(), (JsonObject) previous);
      return result;
    } catch (RuntimeException failure) {
      undo(network, attachment, started, failure);
      throw failure;
    }
  }

  /** Drops a prepared ADD none of whose plugins ran: its intent is all there is to remove. */
  public void abandon(PendingAdd pending) {
    cache.remove(pending.attachment().containerId(), pending.attachment().ifName());
  }

  /**
   * CHECK over the chain with the cached result.
   *
   * @return false when there is nothing to check with: the network's version predates CHECK or the
   *     list disables it
   * @throws CaissonException NOT_FOUND when the attachment is not cached; a plugin's complaint
   *     otherwise
   */
  public boolean check(String containerId, String ifName) {
    AttachmentCache.Entry entry =
        cache
            .read(containerId, ifName)
            .filter(e -> e.result().isPresent())
            .orElseThrow(
                () ->
                    CaissonException.notFound(
                        "%s has no network attachment %s", containerId, ifName));
    CniConfig network = entry.config();
    if (!network.supportsCheck() || network.disableCheck()) {
      return false;
    }
    for (JsonObject plugin : network.plugins()) {
      String type = plugin.get("type").asText();
      exec.run(
          call(
              "CHECK",
              network,
              plugin,
              binary(network, type),
              entry.attachment(),
              entry.result().get()));
    }
    return true;
  }

  /**
   * DEL over the chain, in reverse, with what ADD was given. Every plugin is asked even when an
   * earlier one failed; the cache entry goes only when all succeeded, so a failed DEL can be
   * retried.
   *
   * @return false when nothing was cached (never added, or already deleted)
   */
  public boolean del(String containerId, String ifName) {
    Optional<AttachmentCache.Entry> cached = cache.read(containerId, ifName);
    if (cached.isEmpty()) {
      return false;
    }
    AttachmentCache.Entry entry = cached.get();
    int count = entry.pluginsStarted().orElse(entry.config().plugins().size());
    List<RuntimeException> failures =
        delChain(entry.config(), entry.attachment(), count, entry.result());
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      CaissonException failure =
          new CaissonException(
              first instanceof CaissonException c ? c.kind() : CaissonException.Kind.INTERNAL,
              String.join("; ", failures.stream().map(Throwable::getMessage).toList()),
              first);
      throw failure;
    }
    cache.remove(containerId, ifName);
    return true;
  }

  /** Every container id with something cached: an attachment, or an ADD a crash cut short. */
  public List<String> cachedContainerIds() {
    return cache.containerIds();
  }

  /** A completed attachment: the network it is on and what ADD returned. */
  public record Attached(String network, CniResult result) {}

  /** A completed attachment from the cache, e.g. to report pod IPs after a daemon restart. */
  public Optional<Attached> attached(String containerId, String ifName) {
    return cache
        .read(containerId, ifName)
        .flatMap(e -> e.result().map(r -> new Attached(e.config().name(), CniResult.parse(r))));
  }

  private void undo(
      CniConfig network, CniAttachment attachment, int started, RuntimeException failure) {
    // No prevResult: the chain never produced a final result, and a partial one would mislead.
    List<RuntimeException> failures = delChain(network, attachment, started, Optional.empty());
    // The failure to report stays ADD's: one of the cache, here, only goes along with it (the
    // entry left behind makes a later DEL run the chain again, which plugins tolerate).
    if (failures.isEmpty()) {
      try {
        cache.remove(attachment.containerId(), attachment.ifName());
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
      return;
    }
    // Remember how far ADD got, so a later DEL retries exactly those plugins.
    try {
      cache.write(
          new AttachmentCache.Entry(
              attachment, network, Optional.empty(), OptionalInt.of(started)));
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
    for (RuntimeException f : failures) {
      failure.addSuppressed(f);
    }
    LOG.warn(
        "undoing the failed CNI ADD of {} on network \"{}\" left work behind: {}",
        attachment.containerId(),
        network.name(),
        failures.stream().map(Throwable::getMessage).toList());
  }

  private List<RuntimeException> delChain(
      CniConfig network, CniAttachment attachment, int count, Optional<JsonObject> result) {
    // Spec 0.3.x plugins get no prevResult on DEL; later versions get the cached ADD result.
    JsonValue previous = network.supportsCheck() ? result.orElse(null) : null;
    List<RuntimeException> failures = new ArrayList<>();
    for (int i = Math.min(count, network.plugins().size()) - 1; i >= 0; i--) {
      JsonObject plugin = network.plugins().get(i);
      try {
        String type = plugin.get("type").asText();
        exec.run(call("DEL", network, plugin, binary(network, type), attachment, previous));
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    return failures;
  }

  private Path binary(CniConfig network, String type) {
    return plugins
        .find(type)
        .orElseThrow(
            () ->
                CaissonException.precondition(
                    "network \"%s\": %s", network.name(), plugins.notFound(type)));
  }

  private CniExec.Call call(
      String command,
      CniConfig network,
      JsonObject plugin,
      Path binary,
      CniAttachment attachment,
      JsonValue previous) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", attachment.containerId());
    env.put("CNI_NETNS", attachment.netns());
    env.put("CNI_IFNAME", attachment.ifName());
    env.put("CNI_ARGS", attachment.cniArgs());
    env.put("CNI_PATH", plugins.cniPath());
    String type = plugin.get("type").asText();
    byte[] stdin =
        CniConfig.toJson(pluginStdin(network, plugin, previous, attachment.capabilityArgs()))
            .getBytes(StandardCharsets.UTF_8);
    return new CniExec.Call(binary, type, network.name(), env, stdin);
  }

  /**
   * The config one plugin reads: its own object, the list's name and version, the previous result,
   * and a "runtimeConfig" holding the capability arguments it declares in "capabilities".
   */
  static JsonObject pluginStdin(
      CniConfig network, JsonObject plugin, JsonValue previous, JsonObject capabilityArgs) {
    JsonObject conf = plugin.deepCopy();
    conf.put("name", network.name());
    conf.put("cniVersion", network.cniVersion());
    conf.remove("prevResult");
    if (previous != null) {
      conf.set("prevResult", previous);
    }
    JsonValue declared = plugin.get("capabilities");
    if (declared != null && declared.isObject()) {
      JsonObject runtimeConfig =
          conf.get("runtimeConfig") instanceof JsonObject existing ? existing : new JsonObject();
      for (Iterator<Map.Entry<String, JsonValue>> it = declared.properties().iterator();
          it.hasNext(); ) {
        Map.Entry<String, JsonValue> capability = it.next();
        if (capability.getValue().asBoolean(false) && capabilityArgs.has(capability.getKey())) {
          runtimeConfig.set(capability.getKey(), capabilityArgs.get(capability.getKey()));
        }
      }
      if (!runtimeConfig.isEmpty()) {
        conf.set("runtimeConfig", runtimeConfig);
      }
    }
    return conf;
  }

  private static JsonValue parseResult(CniConfig network, String type, byte[] out) {
    try {
      JsonValue json = Json.parse(out);
      if (json instanceof JsonObject) {
        return json;
      }
    } catch (java.io.IOException e) {
      // Reported below.
    }
    throw new CaissonException(
        CaissonException.Kind.INTERNAL,
        "network \"%s\": CNI plugin %s printed no JSON result on ADD"
            .formatted(network.name(), type));
  }
}
