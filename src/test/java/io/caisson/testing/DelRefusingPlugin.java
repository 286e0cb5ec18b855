package io.caisson.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * A CNI plugin chained after portmap in a test network's conflist: it passes ADD's result through
 * and refuses DEL while {@link #refuseSwitch} exists, for tests of a network teardown that fails.
 * The daemon must be started with {@link #binDirFlags} to find it.
 *
 * @param binDir the directory holding the plugin
 * @param refuseSwitch the file whose presence makes DEL fail
 */
public record DelRefusingPlugin(Path binDir, Path refuseSwitch) {
  private static final String PORTMAP =
      "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}";

  /** Writes the plugin under {@code dir} and chains it into the conflist in {@code confDir}. */
  public static DelRefusingPlugin install(Path dir, Path confDir) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("cni-bin"));
    Path refuseDel = dir.resolve("refuse-del");
    Path plugin = bin.resolve("refusedel");
    Files.writeString(
        plugin,
        """
        #!/bin/sh
        in=$(cat)
        case "$CNI_COMMAND" in
          ADD) echo "$in" | jq -c .prevResult ;;
          DEL) if [ -e %s ]; then
                 echo '{"cniVersion":"1.0.0","code":11,"msg":"DEL refused by the test"}'; exit 1
               fi ;;
          VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
        esac
        """
            .formatted(refuseDel));
    Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf;
    try (Stream<Path> confs = Files.list(confDir)) {
      conf = confs.filter(p -> p.toString().endsWith(".conflist")).findFirst().orElseThrow();
    }
    String chained =
        Files.readString(conf).replace(PORTMAP, PORTMAP + ", {\"type\": \"refusedel\"}");
    if (!chained.contains("refusedel")) {
      throw new IllegalStateException(conf + " has no portmap plugin to chain after");
    }
    Files.writeString(conf, chained);
    return new DelRefusingPlugin(bin, refuseDel);
  }

  /** The daemon flags that find both the node's plugins and this one. */
  public String[] binDirFlags() {
    return new String[] {"--cni-bin-dir", "/usr/lib/cni", "--cni-bin-dir", binDir.toString()};
  }
}
