package io.caisson.container;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Resolves users and groups the way a container's own /etc/passwd and /etc/group say, read from the
 * container's root filesystem (never the host's). Symlinks in the image are not followed out of the
 * rootfs: the files are opened only when they are regular files inside it.
 */
public final class ImageUsers {

  /** A resolved identity: uid, primary gid and the supplementary groups the image gives it. */
  public record Identity(long uid, long gid, List<Long> additionalGids) {}

  private final List<String[]> passwd;
  private final List<String[]> group;

  ImageUsers(List<String[]> passwd, List<String[]> group) {
    this.passwd = passwd;
    this.group = group;
  }

  public static ImageUsers read(Path rootfs) throws IOException {
    return new ImageUsers(table(rootfs, "etc/passwd"), table(rootfs, "etc/group"));
  }

  static ImageUsers parse(String passwdText, String groupText) {
    return new ImageUsers(split(passwdText), split(groupText));
  }

  private static List<String[]> table(Path rootfs, String relative) throws IOException {
    Path file = rootfs.resolve(relative);
    if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    // The last component is no link, but a parent may be (an image's etc -> /etc): the file
    // read must still be the image's own, never the node's.
    if (!file.toRealPath().startsWith(rootfs.toRealPath())) {
      return List.of();
    }
    return split(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  private static List<String[]> split(String text) {
    List<String[]> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        rows.add(line.split(":", -1));
      }
    }
    return rows;
  }

  /**
   * Resolves a user spec as images and CRI write it: "name", "uid", "name:group", "uid:gid". A
   * numeric uid unknown to the image is fine (gid 0 unless given); an unknown name is an error.
   */
  public Identity resolve(String user, String group, List<Long> extraGroups) {
    return resolve(user, group, extraGroups, true);
  }

  /**
   * @param imageGroups whether the groups the image's /etc/group gives the user are added
   *     (SupplementalGroupsPolicy Merge) or not (Strict)
   */
  public Identity resolve(String user, String group, List<Long> extraGroups, boolean imageGroups) {
    String userPart = user.isEmpty() ? "0" : user;
    long uid;
    long gid = 0;
    String userName = null;
    OptionalLong numericUser = number(userPart);
    if (numericUser.isPresent()) {
      uid = numericUser.getAsLong();
      for (String[] row : passwd) {
        if (row.length > 3 && row[2].equals(Long.toString(uid))) {
          gid = Long.parseLong(row[3]);
          userName = row[0];
          break;
        }
      }
    } else {
      String[] row =
          passwd.stream()
              .filter(r -> r.length > 3 && r[0].equals(userPart))
              .findFirst()
              .orElseThrow(
                  () ->
                      CaissonException.invalid(
                          "user '%s' is not in the image's /etc/passwd", userPart));
      uid = Long.parseLong(row[2]);
      gid = Long.parseLong(row[3]);
      userName = row[0];
    }
    if (group != null && !group.isEmpty()) {
      gid = groupId(group);
    }
    // The primary group first, then the pod's groups, then the image's, as kubelet's runtimes
    // order them. The primary group is a supplementary one too (CVE-2023-25173): a process that
    // changes its gid keeps it, so a file's group that is denied access stays denied.
    List<Long> additional = new ArrayList<>();
    additional.add(gid);
    for (Long extra : extraGroups) {
      if (!additional.contains(extra)) {
        additional.add(extra);
      }
    }
    if (userName != null && imageGroups) {
      for (String[] row : this.group) {
        if (row.length > 3 && List.of(row[3].split(",")).contains(userName)) {
          long member = Long.parseLong(row[2]);
          if (!additional.contains(member)) {
            additional.add(member);
          }
        }
      }
    }
    return new Identity(uid, gid, List.copyOf(additional));
  }

  private long groupId(String group) {
    OptionalLong numeric = number(group);
    if (numeric.isPresent()) {
      return numeric.getAsLong();
    }
    return this.group.stream()
        .filter(r -> r.length > 2 && r[0].equals(group))
        .map(r -> Long.parseLong(r[2]))
        .findFirst()
        .orElseThrow(
            () -> CaissonException.invalid("group '%s' is not in the image's /etc/group", group));
  }

  private static OptionalLong number(String text) {
    if (!text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() < 11) {
      return OptionalLong.of(Long.parseLong(text));
    }
    return OptionalLong.empty();
  }
}
