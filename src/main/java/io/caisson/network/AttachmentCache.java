package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonValue;
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
 * What each attachment was given and what it got, per sandbox and interface: the intent {@code
 * <stateDir>/<containerId>/<ifName>.json} (what ADD was given) and the result {@code
 * <ifName>.json.result} (what it returned). The intent is written durably before ADD starts, so a
 * daemon that dies in the middle of ADD, or a machine that crashes at any point, still leaves what
 * DEL needs; the result is added beside it without waiting for the disk (see {@link #complete}),
 * and both are removed once DEL succeeded, the result first.
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
      Optional<JsonObject> result,
      OptionalInt pluginsStarted) {}

  private final Path dir;

  AttachmentCache(Path dir) {
    this.dir = dir;
  }

  Optional<Entry> read(String containerId, String ifName) {
    Path file = file(containerId, ifName);
    Path resultFile = resultFile(containerId, ifName);
    JsonValue json;
    try {
      json = Json.parse(Files.readAllBytes(file));
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
              json.get("capabilityArgs") instanceof JsonObject caps ? caps : null);
      CniConfig config = CniConfig.fromCached(json.get("config"));
      Optional<JsonObject> result =
          json.get("result") instanceof JsonObject r // cached inside the intent until 2026-11-23
              ? Optional.of(r)
              : readResult(resultFile);
      OptionalInt started =
          json.hasNonNull("pluginsStarted")
              ? OptionalInt.of(json.get("pluginsStarted").asInt())
              : OptionalInt.empty();
      return Optional.of(new Entry(attachment, config, result, started));
    } catch (InvalidCniConfigException | CaissonException e) {
      throw CaissonException.internal("corrupt CNI cache " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The result beside the intent, if it is there whole. One a machine crash tore (written without a
   * flush) counts as none: the intent then has DEL run the whole chain, as after any crash.
   */
  private static Optional<JsonObject> readResult(Path resultFile) {
    try {
      return Json.parse(Files.readAllBytes(resultFile)) instanceof JsonObject r
          ? Optional.of(r)
          : Optional.empty();
    } catch (IOException e) { // missing, or torn: unreadable JSON
      return Optional.empty();
    }
  }

  /**
   * Writes the intent durably, without a result: before ADD, or how far a failed ADD's undo got.
   */
  void write(Entry entry) {
    if (entry.result().isPresent()) {
      throw new IllegalArgumentException("an intent has no result; complete() adds it");
    }
    CniAttachment a = entry.attachment();
    JsonObject json = new JsonObject();
    json.put("containerId", a.containerId());
    json.put("ifName", a.ifName());
    json.put("netns", a.netns());
    json.put("cniArgs", a.cniArgs());
    json.set("capabilityArgs", a.capabilityArgs());
    json.set("config", entry.config().json());
    entry.pluginsStarted().ifPresent(n -> json.put("pluginsStarted", n));
    Path file = file(a.containerId(), a.ifName());
    try {
      AtomicFiles.write(file, CniConfig.toJson(json).getBytes(), "rw-------");
    } catch (IOException e) {
      // Nothing was attached yet: leave no empty directory for recovery to find (a full disk
      // still lets the directory be made and then refuses the file).
      try {
        Files.deleteIfExists(file.getParent());
      } catch (IOException ignored) {
        // Not empty (another interface's intent) or already gone: either way nothing to undo.
      }
      throw CaissonException.internal("cannot write CNI cache " + file, e);
    }
  }

  /**
   * Adds ADD's result beside the intent, atomically but without waiting for the disk: a killed
   * daemon still finds it (the page cache has it), and a machine crash that loses or tears it
   * leaves the intent untouched, whose DEL runs the whole chain, which a pod whose namespaces went
   * with the reboot needs anyway. Saves RunPodSandbox two fsyncs.
   */
  void complete(String containerId, String ifName, JsonObject result) {
    Path file = resultFile(containerId, ifName);
    try {
      AtomicFiles.replace(file, CniConfig.toJson(result).getBytes(), "rw-------");
    } catch (IOException e) {
      throw CaissonException.internal("cannot write CNI cache " + file, e);
    }
  }

  void remove(String containerId, String ifName) {
    Path file = file(containerId, ifName);
    try {
      // The result first: an intent left alone by a crash here only has DEL run again.
      Files.deleteIfExists(resultFile(containerId, ifName));
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

  private Path resultFile(String containerId, String ifName) {
    // Not "<ifName>.result.json": that is the intent of an interface named "<ifName>.result".
    return file(containerId, ifName).resolveSibling(ifName + ".json.result");
  }
}
