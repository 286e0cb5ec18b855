package io.caisson.image;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registries.conf a pull follows, read again when the file changes (size, time or inode), so an
 * edited mirror or block applies to the next pull without a restart, as the auth file and the TLS
 * directories do. A file made invalid by an edit fails pulls, naming the error, until it is mended:
 * pulling on under the old rules could reach a registry the edit meant to block.
 */
final class RegistriesConfFile {
  private static final Logger log = LoggerFactory.getLogger(RegistriesConfFile.class);

  private final Path path;
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
    current();
  }

  /** The rules as the file now has them. */
  synchronized RegistriesConf current() {
    if (path == null) {
      return RegistriesConf.empty();
    }
    Object now = stampOf(path);
    if ((rules == null && invalid == null) || !now.equals(stamp)) {
      boolean first = stamp == null;
      stamp = now;
      try {
        rules = RegistriesConf.load(path);
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

  private static Object stampOf(Path path) {
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
