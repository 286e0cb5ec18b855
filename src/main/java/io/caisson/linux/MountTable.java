package io.caisson.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** This process's mounts as {@code /proc/self/mountinfo} lists them, in mount order. */
public record MountTable(List<Mount> mounts) {
  /**
   * One mount.
   *
   * @param source the mounted device or the like, as mountinfo names it
   * @param optionalFields mountinfo's optional fields: {@code shared:N} for a mount in peer group
   *     N, {@code master:N} for a slave of group N, none for a private mount
   */
  public record Mount(Path mountPoint, String fsType, String source, List<String> optionalFields) {
    public boolean shared() {
      return optionalFields.stream().anyMatch(f -> f.startsWith("shared:"));
    }

    public boolean slave() {
      return optionalFields.stream().anyMatch(f -> f.startsWith("master:"));
    }

    /** As mount(8) and findmnt name it: shared, slave, or private. */
    public String propagation() {
      return shared() ? "shared" : slave() ? "slave" : "private";
    }
  }

  public static MountTable ofThisProcess() throws IOException {
    return parse(Files.readString(Path.of("/proc/self/mountinfo")));
  }

  /**
   * mountinfo lines: "id parent major:minor root mount-point options [optional fields...] - fstype
   * source super-options".
   */
  public static MountTable parse(String mountinfo) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.split(" ");
      int separator = List.of(f).indexOf("-");
      if (f.length < 7 || separator < 6 || separator + 1 >= f.length) {
        continue;
      }
      mounts.add(
          new Mount(
              Path.of(unescape(f[4])),
              f[separator + 1],
              separator + 2 < f.length ? unescape(f[separator + 2]) : "",
              List.copyOf(List.of(f).subList(6, separator))));
    }
    return new MountTable(List.copyOf(mounts));
  }

  /**
   * The mount a path lies on: the longest mount point that contains it, the last one listed of
   * those at the same point (a mount over another hides it).
   *
   * @param realPath an absolute path without links (see {@link Path#toRealPath})
   */
  public Mount holding(Path realPath) {
    Mount best = null;
    for (Mount mount : mounts) {
      if (realPath.startsWith(mount.mountPoint())
          && (best == null
              || mount.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = mount;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no mount holds " + realPath + ", not even /");
    }
    return best;
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
