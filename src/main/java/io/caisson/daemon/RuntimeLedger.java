package io.caisson.daemon;

import io.caisson.json.JsonRecords;
import io.caisson.oci.Runc;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every OCI runtime (binary and state root) this node's pods could be bound to, kept in {@code
 * ROOT/runtimes.json}. The leftover sweep lists each of those roots, so that the containers of a
 * runtime handler a later config dropped are found even when no record of their pods is left (a
 * crash in the middle of RunPodSandbox or CreateContainer, then a start with the handler gone):
 * without it they would run on for good, under a root nobody lists.
 */
final class RuntimeLedger {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeLedger.class);

  /** A runtime binary and the state root its containers are under. */
  record Entry(String binary, String root) {
    static Entry of(Runc runtime) {
      return new Entry(runtime.binary().toString(), runtime.root().toString());
    }
  }

  private final Path file;
  private final Set<Entry> entries;

  private RuntimeLedger(Path file, Set<Entry> entries) {
    this.file = file;
    this.entries = entries;
  }

  /**
   * Reads the ledger; a missing file is an empty one, and so is an unreadable one (logged: the
   * roots only it named are not swept this time).
   */
  static RuntimeLedger open(Path file) throws IOException {
    Set<Entry> entries = new LinkedHashSet<>();
    try {
      Entry[] read = JsonRecords.STANDARD.read(Files.readAllBytes(file), Entry[].class);
      if (read != null) {
        entries.addAll(Arrays.asList(read));
      }
    } catch (NoSuchFileException e) {
      // A node that never ran a pod.
    } catch (IOException e) {
      LOG.warn("{} is unreadable, starting a new one: {}", file, e.getMessage());
    }
    return new RuntimeLedger(file, entries);
  }

  synchronized Set<Entry> entries() {
    return Set.copyOf(entries);
  }

  /** Adds runtimes, written down before any pod can be bound to them. */
  synchronized void addAll(Collection<Entry> runtimes) throws IOException {
    if (entries.addAll(runtimes)) {
      write();
    }
  }

  /** Keeps only {@code runtimes}. */
  synchronized void retainOnly(Collection<Entry> runtimes) throws IOException {
    if (entries.retainAll(Set.copyOf(runtimes))) {
      write();
    }
  }

  private void write() throws IOException {
    AtomicFiles.write(file, JsonRecords.STANDARD.bytes(List.copyOf(entries)));
  }
}
