package io.caisson.network;

import io.caisson.common.SearchPath;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Where plugin binaries are: the first bin dir holding an executable of the plugin's type. */
public record CniPlugins(List<Path> binDirs) {

  public static final List<Path> DEFAULT_BIN_DIRS =
      List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));

  public CniPlugins {
    if (binDirs.isEmpty()) {
      throw new IllegalArgumentException("at least one CNI bin dir is needed");
    }
    binDirs = List.copyOf(binDirs);
  }

  public Optional<Path> find(String type) {
    return new SearchPath(binDirs).find(type);
  }

  /** The CNI_PATH value: plugins such as bridge exec their IPAM plugin from it. */
  public String cniPath() {
    return binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
  }

  /** The sentence used wherever a plugin binary is missing. */
  String notFound(String type) {
    return "CNI plugin \"%s\" not found in %s".formatted(type, binDirs);
  }
}
