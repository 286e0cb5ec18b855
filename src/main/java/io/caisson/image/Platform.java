package io.caisson.image;

/** An OCI platform; {@code variant} may be empty. */
public record Platform(String os, String architecture, String variant) {

  /** The platform of this JVM's machine, in OCI/GOARCH spelling. */
  public static Platform host() {
    String arch =
        switch (System.getProperty("os.arch")) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64", "arm64" -> "arm64";
          case "arm" -> "arm";
          case "ppc64le" -> "ppc64le";
          case "s390x" -> "s390x";
          case "riscv64" -> "riscv64";
          case "x86", "i386", "i686" -> "386";
          default -> System.getProperty("os.arch");
        };
    return new Platform("linux", arch, arch.equals("arm64") ? "v8" : "");
  }

  /** -1 if incompatible; higher is better (an exact variant beats a missing one). */
  int matchScore(Platform offered) {
    if (!os.equals(offered.os()) || !architecture.equals(offered.architecture())) {
      return -1;
    }
    if (offered.variant().equals(variant)) {
      return 2;
    }
    if (offered.variant().isEmpty()) {
      return 1;
    }
    return -1;
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
