package io.caisson.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caisson.common.CaissonException;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * What each attachment was given and what it got, one file per sandbox and interface: {@code
 * <stateDir>/<containerId>/<ifName>.json}. The entry is written before ADD starts (without a
 * result), so a daemon that dies in the middle of ADD still knows there is something to DEL after
 * it restarts; it is completed with the result, and removed once DEL succeeded.
 */
final class AttachmentCache {

  /**
   * One cached attachment.
   *
   * @param pluginsStarted how many plugins of the chain may have done something; all of them unless
   *     an ADD failed and its undo did not finish
   */
  record Entry(
      CniAttachment attachment,
      CniConfig config,
      Optional<ObjectNode> result,
      OptionalInt pluginsStarted) {}

  private final Path dir;

  AttachmentCache(Path dir) {
    this.dir = dir;
  }

  Optional<Entry> read(String containerId, String ifName) {
    Path file = file(containerId, ifName);
    JsonNode json;
    try {
      json = CniConfig.JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw CaissonException.internal("cannot read CNI cache " + file, e);
    }
    try {
      CniAttachment attachment =
          new CniAttachment(
              json.path("containerId").asText(),
              json.path("ifName").asText(),
              json.path("netns").asText(),
              json.path("cniArgs").asText(),
              json.get("capabilityArgs") instanceof ObjectNode caps ? caps : null);
      CniConfig config = CniConfig.fromCached(json.get("config"));
      Optional<ObjectNode> result =
          json.get("result") instanceof ObjectNode r ? Optional.of(r) : Optional.empty();
      OptionalInt started =
          json.hasNonNull("pluginsStarted")
              ? OptionalInt.of(json.get("pluginsStarted").asInt())
              : OptionalInt.empty();
      return Optional.of(new Entry(attachment, config, result, started));
    } catch (InvalidCniConfigException | CaissonException e) {
      throw CaissonException.internal("corrupt CNI cache " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the entry durably: an intent, or how far a failed ADD's undo got. */
  void write(Entry entry) {
    write(entry, true);
  }

  /**
   * Replaces the intent with the completed attachment atomically, but without waiting for the disk:
   * a killed daemon still finds it (the page cache has it), and a crash of the machine that loses
   * it leaves the durable intent, whose DEL runs the whole chain, which is what a pod whose
   * namespaces went with the reboot needs anyway. Saves RunPodSandbox two fsyncs.
   */
  void complete(Entry entry) {
    if (entry.result().isEmpty()) {
      throw new IllegalArgumentException("a completed attachment has a result");
    }
    write(entry, false);
  }

  private void write(Entry entry, boolean durable) {
    CniAttachment a = entry.attachment();
    ObjectNode json = CniConfig.JSON.createObjectNode();
    json.put("containerId", a.containerId());
    json.put("ifName", a.ifName());
    json.put("netns", a.netns());
    json.put("cniArgs", a.cniArgs());
    json.set("capabilityArgs", a.capabilityArgs());
    json.set("config", entry.config().json());
    entry.result().ifPresent(r -> json.set("result", r));
    entry.pluginsStarted().ifPresent(n -> json.put("pluginsStarted", n));
    Path file = file(a.containerId(), a.ifName());
    try {
      byte[] content = CniConfig.toJson(json).getBytes();
      if (durable) {
        AtomicFiles.write(file, content, "rw-------");
      } else {
        AtomicFiles.replace(file, content, "rw-------");
      }
    } catch (IOException e) {
      throw CaissonException.internal("cannot write CNI cache " + file, e);
    }
  }

  void remove(String containerId, String ifName) {
    Path file = file(containerId, ifName);
    try {
      Files.deleteIfExists(file);
      try {
        Files.deleteIfExists(file.getParent());
      } catch (DirectoryNotEmptyException e) {
        // Another interface of the same sandbox is still cached.
      }
      AtomicFiles.syncDirectory(dir);
    } catch (IOException e) {
      throw CaissonException.internal("cannot remove CNI cache " + file, e);
    }
  }

  /** The ids with anything cached: attachments, and intents of attaches a crash cut short. */
  List<String> containerIds() {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList();
    } catch (NoSuchFileException e) {
      return List.of(); // nothing was ever attached
    } catch (IOException e) {
      throw CaissonException.internal("cannot list the CNI cache " + dir, e);
    }
  }

  private Path file(String containerId, String ifName) {
    CniAttachment.requireContainerId(containerId);
    CniAttachment.requireIfName(ifName);
    return dir.resolve(containerId).resolve(ifName + ".json");
  }
}
