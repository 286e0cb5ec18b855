package io.caisson.image;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registries.conf a pull follows, with the drop-ins of its {@code .d} directory ({@code
 * registries.conf.d/*.conf}, in name order, each laid over the rules before it), read again when
 * any of them changes (size, time or inode) or one comes or goes, so an edited mirror or block
 * applies to the next pull without a restart, as the auth file and the TLS directories do. A file
 * made invalid by an edit fails pulls, naming the error, until it is mended: pulling on under the
 * old rules could reach a registry the edit meant to block.
 */
final class RegistriesConfFile {
  private static final Logger log = LoggerFactory.getLogger(RegistriesConfFile.class);

  private final Path path;
  private final Path dropIns;
  private Object stamp; // guarded by this: what the file was when last read
  private RegistriesConf rules; // guarded by this
  private CaissonException invalid; // guarded by this

  /**
   * Reads the file now: an invalid one is the caller's error at start-up.
   *
   * @param path the file; null or missing means no rules
   */
  RegistriesConfFile(Path path) {
    this.path = path;
    this.dropIns = path == null ? null : Path.of(path + ".d");
    current();
  }

  /** The rules as the file now has them. */
  synchronized RegistriesConf current() {
    if (path == null) {
      return RegistriesConf.empty();
    }
    Object now = stamp();
    if ((rules == null && invalid == null) || !now.equals(stamp)) {
      boolean first = stamp == null;
      stamp = now;
      try {
        rules = load();
        invalid = null;
        if (!first) {
          log.info("registries.conf {} changed: its rules apply from this pull", path);
        }
      } catch (CaissonException e) {
        rules = null;
        invalid =
            CaissonException.precondition(
                "%s is invalid, so no pull can follow it: %s", path, e.getMessage());
        if (first) {
          throw e;
        }
        log.error("{}", invalid.getMessage());
      }
    }
    if (invalid != null) {
      throw invalid;
    }
    return rules;
  }

  private RegistriesConf load() {
    RegistriesConf merged = RegistriesConf.load(path);
    for (Path dropIn : dropInFiles()) {
      try {
        merged = merged.overlaidWith(RegistriesConf.load(dropIn));
      } catch (CaissonException e) {
        throw CaissonException.invalid("%s: %s", dropIn, e.getMessage());
      }
    }
    return merged;
  }

  private List<Path> dropInFiles() {
    try (Stream<Path> files = Files.list(dropIns)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted().toList();
    } catch (IOException e) {
      return List.of(); // no directory: no drop-ins
    }
  }

  private Object stamp() {
    StringBuilder stamp = new StringBuilder(stampOf(path));
    for (Path dropIn : dropInFiles()) {
      stamp.append('|').append(dropIn.getFileName()).append('=').append(stampOf(dropIn));
    }
    return stamp.toString();
  }

  private static String stampOf(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return a.size() + "/" + a.lastModifiedTime() + "/" + a.fileKey();
    } catch (NoSuchFileException e) {
      return "absent";
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }
}
