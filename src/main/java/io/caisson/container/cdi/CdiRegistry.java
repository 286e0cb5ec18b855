package io.caisson.container.cdi;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.CDIDevice;
import io.caisson.cri.v1.ContainerConfig;
import io.caisson.json.Json;
import io.caisson.json.JsonRecords;
import io.caisson.json.JsonValue;
import io.caisson.yaml.YamlReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Container Device Interface specs of the node: the files vendors' tools (nvidia-ctk, a DRA
 * driver) put in the spec directories, read again each time a container asks for a CDI device, so a
 * spec written or removed a moment ago counts and nothing needs watching. A later directory
 * overrides an earlier one (by default {@code /var/run/cdi}, where drivers write at run time, over
 * {@code /etc/cdi}); two files of the same directory defining one device make it unusable rather
 * than one of them picked silently.
 */
public final class CdiRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(CdiRegistry.class);

  /**
   * kubelet's older way to ask: {@code cdi.k8s.io/<key>: vendor.com/class=a,vendor.com/class=b}.
   */
  static final String ANNOTATION_PREFIX = "cdi.k8s.io/";

  // Vendors' specs list every device and the libraries to mount for them: tens of KiB, rarely a few
  // hundred; a file far beyond that is not a spec.
  private static final long MAX_SPEC_BYTES = 4L << 20;

  private final List<Path> specDirs;
  private final Map<Path, Parsed> parsedFiles = new ConcurrentHashMap<>();

  /**
   * @param specDirs the spec directories, lowest priority first
   */
  public CdiRegistry(List<Path> specDirs) {
    this.specDirs = List.copyOf(specDirs);
  }

  /**
   * The CDI devices a container asks for, in order, each once: CRI's {@code CDI_devices}, then the
   * values of {@code cdi.k8s.io/} annotations.
   */
  public static List<String> requested(ContainerConfig config) {
    Set<String> names = new LinkedHashSet<>();
    for (CDIDevice device : config.getCDIDevicesList()) {
      names.add(device.getName());
    }
    config.getAnnotationsMap().entrySet().stream()
        .filter(e -> e.getKey().startsWith(ANNOTATION_PREFIX))
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              for (String name : e.getValue().split(",")) {
                if (!name.isBlank()) {
                  names.add(name.strip());
                }
              }
            });
    return List.copyOf(names);
  }

  /**
   * The edits of the named devices, checked against the node. INVALID_ARGUMENT for a name that is
   * not a qualified one, NOT_FOUND for a device no spec defines, FAILED_PRECONDITION for a device
   * two specs define or whose spec cannot be applied here, UNIMPLEMENTED for edits Caisson does not
   * make (Intel RDT, network devices).
   */
  public CdiInjection resolve(List<String> names) {
    if (names.isEmpty()) {
      return CdiInjection.NONE;
    }
    List<CdiName> wanted = names.stream().map(CdiName::parse).toList();
    Catalog catalog = load();
    CdiEdits edits = new CdiEdits();
    Set<SpecFile> specsApplied = new LinkedHashSet<>();
    for (CdiName name : wanted) {
      String key = name.toString();
      Definition definition = catalog.devices().get(key);
      if (definition == null) {
        throw CaissonException.notFound(
            "CDI device %s is not defined by any spec in %s%s",
            key, specDirs, catalog.unreadableNote());
      }
      if (definition.conflicting() != null) {
        throw CaissonException.precondition(
            "CDI device %s is defined by both %s and %s; remove one of them",
            key, definition.file().path(), definition.conflicting());
      }
      SpecFile file = definition.file();
      if (specsApplied.add(file) && file.spec().containerEdits() != null) {
        edits.add(key + " (spec-wide edits of " + file.path() + ")", file.spec().containerEdits());
      }
      edits.add(key + " (" + file.path() + ")", definition.device().containerEdits());
    }
    return edits.injection(wanted.stream().map(CdiName::toString).toList());
  }

  /** A spec file that was read and found well-formed. */
  record SpecFile(Path path, int priority, CdiSpec spec) {}

  /** Where a device is defined; {@code conflicting} names a second file of the same priority. */
  record Definition(SpecFile file, CdiSpec.Device device, Path conflicting) {}

  /** Every device of the spec directories, and the files that could not be used, with why. */
  record Catalog(Map<String, Definition> devices, Map<Path, String> unreadable) {
    String unreadableNote() {
      if (unreadable.isEmpty()) {
        return "";
      }
      StringBuilder note = new StringBuilder(" (spec files not used: ");
      unreadable.forEach((file, why) -> note.append(file).append(": ").append(why).append("; "));
      note.setLength(note.length() - 2);
      return note.append(')').toString();
    }
  }

  Catalog load() {
    Map<String, Definition> devices = new LinkedHashMap<>();
    Map<Path, String> unreadable = new LinkedHashMap<>();
    Set<Path> seen = new HashSet<>();
    for (int priority = 0; priority < specDirs.size(); priority++) {
      for (Path path : specFiles(specDirs.get(priority))) {
        seen.add(path);
        Parsed parsed = parse(path);
        if (parsed.spec() == null) {
          unreadable.put(path, parsed.error());
          continue;
        }
        SpecFile file = new SpecFile(path, priority, parsed.spec());
        String kind = file.spec().kind();
        for (CdiSpec.Device device : file.spec().devices()) {
          String key = kind + "=" + device.name();
          Definition earlier = devices.get(key);
          if (earlier != null && earlier.file().priority() == priority) {
            devices.put(key, new Definition(earlier.file(), earlier.device(), path));
          } else {
            devices.put(key, new Definition(file, device, null));
          }
        }
      }
    }
    parsedFiles.keySet().retainAll(seen);
    return new Catalog(devices, unreadable);
  }

  /**
   * A spec file as last read: its bytes, and the spec or why it is not one. GPU vendors' specs run
   * to tens of KiB of YAML: a file whose bytes are the same as last time is not parsed again. The
   * bytes are compared, not time stamps: a driver may rewrite a spec within the file system's clock
   * tick.
   */
  private record Parsed(byte[] content, CdiSpec spec, String error) {}

  private Parsed parse(Path path) {
    byte[] content;
    try {
      if (Files.size(path) > MAX_SPEC_BYTES) {
        return new Parsed(null, null, "larger than " + (MAX_SPEC_BYTES >> 20) + " MiB");
      }
      content = Files.readAllBytes(path);
    } catch (IOException e) {
      return new Parsed(null, null, e.toString());
    }
    Parsed known = parsedFiles.get(path);
    if (known != null && Arrays.equals(known.content(), content)) {
      return known;
    }
    Parsed parsed;
    try {
      parsed = new Parsed(content, read(path, content), null);
    } catch (IOException | IllegalArgumentException e) {
      String why =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      LOG.warn("CDI spec {} is not used: {}", path, why);
      parsed = new Parsed(content, null, why);
    }
    parsedFiles.put(path, parsed);
    return parsed;
  }

  /** The {@code *.json} and {@code *.yaml} files of a directory, by name; none if it is absent. */
  private static List<Path> specFiles(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".yaml"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    } catch (IOException e) {
      LOG.warn("CDI spec directory {} cannot be read: {}", dir, e.getMessage());
      return List.of();
    }
  }

  /** Checks one spec file's content; IllegalArgumentException says what is wrong with it. */
  static CdiSpec read(Path path, byte[] content) throws IOException {
    JsonValue tree =
        path.toString().endsWith(".json")
            ? Json.parse(content)
            : YamlReader.read(new String(content, StandardCharsets.UTF_8));
    CdiSpec spec = JsonRecords.STANDARD.fromTree(tree, CdiSpec.class);
    if (spec == null) {
      throw new IllegalArgumentException("empty");
    }
    checkVersion(spec.version());
    if (!CdiName.validKind(spec.kind())) {
      throw new IllegalArgumentException(
          "kind '" + spec.kind() + "' is not of the form vendor.com/class");
    }
    if (spec.devices() == null || spec.devices().isEmpty()) {
      throw new IllegalArgumentException("defines no devices");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (CdiSpec.Device device : spec.devices()) {
      if (!CdiName.validDevice(device.name())) {
        throw new IllegalArgumentException("device name '" + device.name() + "' is not valid");
      }
      if (!seen.add(device.name())) {
        throw new IllegalArgumentException("device " + device.name() + " is defined twice");
      }
      if (device.containerEdits() == null) {
        throw new IllegalArgumentException("device " + device.name() + " has no containerEdits");
      }
    }
    return spec;
  }

  /** The spec versions this reader knows: 0.3.0 to 0.8.x and 1.0.x. */
  private static void checkVersion(String version) {
    String[] parts = version == null ? new String[0] : version.split("\\.");
    boolean known = false;
    if (parts.length == 3 && parts[0].matches("\\d+") && parts[1].matches("\\d+")) {
      int major = Integer.parseInt(parts[0]);
      int minor = Integer.parseInt(parts[1]);
      known = (major == 0 && minor >= 3 && minor <= 8) || (major == 1 && minor <= 1);
    }
    if (!known) {
      throw new IllegalArgumentException(
          "cdiVersion '" + version + "' is not one this reader knows (0.3.0 to 1.1.x)");
    }
  }

  public List<Path> specDirs() {
    return specDirs;
  }
}
