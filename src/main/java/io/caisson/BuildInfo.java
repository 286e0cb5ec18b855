package io.caisson;

/** The version stamped into the jar manifest by the build. */
public final class BuildInfo {
  private BuildInfo() {}

  public static String version() {
    String version = BuildInfo.class.getPackage().getImplementationVersion();
    return version != null ? version : "0.1.0-dev";
  }
}
