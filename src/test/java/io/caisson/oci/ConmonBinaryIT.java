package io.caisson.oci;

import java.nio.file.Path;

/**
 * {@link ConmonRuncIT}'s tests with Debian's conmon as the monitor: Caisson's own monitor takes
 * conmon's command line and leaves the same files, and {@code monitor = "conmon"} must keep
 * working.
 */
class ConmonBinaryIT extends ConmonRuncIT {
  @Override
  Path monitor() {
    return Path.of("/usr/bin/conmon");
  }
}
