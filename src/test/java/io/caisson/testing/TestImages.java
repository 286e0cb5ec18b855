package io.caisson.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds a small busybox image from Debian's busybox-static (one gzip layer: /bin/busybox with
 * applet links, /etc/passwd and /etc/group) and pushes it as an OCI image.
 */
public final class TestImages {
  private static final List<String> APPLETS =
      List.of(
          "sh", "sleep", "echo", "cat", "ls", "id", "top", "true", "false", "grep", "head", "tr",
          "dd", "tail", "env", "ps", "kill", "touch", "mkdir", "rm", "stty", "httpd", "tty");

  private TestImages() {}

  /**
   * Pushes {@code repository:tag} and returns the reference to pull it by.
   *
   * @param config the image config's "config" object as JSON (Cmd, Env, User...)
   */
  public static String pushBusybox(
      TestRegistry registry, String repository, String tag, String config) throws Exception {
    return pushBusybox(registry, repository, tag, config, java.util.Map.of());
  }

  /**
   * As {@link #pushBusybox(TestRegistry, String, String, String)}, with extra symlinks in the
   * layer: name (relative) to target, as an image may carry them.
   */
  public static String pushBusybox(
      TestRegistry registry,
      String repository,
      String tag,
      String config,
      java.util.Map<String, String> symlinks)
      throws Exception {
    return pushBusybox(registry, repository, tag, config, symlinks, List.of());
  }

  /** A directory (no content) or file in a test image's layer, with its owner and mode. */
  public record Entry(String name, int mode, int uid, int gid, String content) {
    public static Entry directory(String name, int mode, int uid, int gid) {
      return new Entry(name.endsWith("/") ? name : name + "/", mode, uid, gid, null);
    }
  }

  /** As the one with symlinks, with {@code entries} added to the layer after busybox's. */
  public static String pushBusybox(
      TestRegistry registry,
      String repository,
      String tag,
      String config,
      java.util.Map<String, String> symlinks,
      List<Entry> entries)
      throws Exception {
    byte[] tar = busyboxTar(symlinks, entries);
    byte[] layer = gzip(tar);
    String layerDigest = registry.pushBlob(repository, layer);
    String diffId = TestRegistry.digest(tar);
    byte[] configJson =
        """
        {"architecture": "amd64", "os": "linux", "config": %s,
         "rootfs": {"type": "layers", "diff_ids": ["%s"]}}
        """
            .formatted(config, diffId)
            .getBytes(StandardCharsets.UTF_8);
    String configDigest = registry.pushBlob(repository, configJson);
    byte[] manifest =
        """
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": "%s", "size": %d},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                     "digest": "%s", "size": %d}]}
        """
            .formatted(configDigest, configJson.length, layerDigest, layer.length)
            .getBytes(StandardCharsets.UTF_8);
    registry.pushManifest(repository, tag, "application/vnd.oci.image.manifest.v1+json", manifest);
    return registry.host() + "/" + repository + ":" + tag;
  }

  private static byte[] busyboxTar(java.util.Map<String, String> symlinks, List<Entry> entries)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      directory(tar, "bin/");
      directory(tar, "etc/");
      directory(tar, "tmp/");
      byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
      TarArchiveEntry binary = new TarArchiveEntry("bin/busybox");
      binary.setMode(0755);
      binary.setSize(busybox.length);
      binary.setModTime(0);
      tar.putArchiveEntry(binary);
      tar.write(busybox);
      tar.closeArchiveEntry();
      for (String applet : APPLETS) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_LINK);
        link.setLinkName("bin/busybox");
        link.setModTime(0);
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
      file(
          tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n");
      file(tar, "etc/group", "root:x:0:\nwww-data:x:33:\nstaff:x:50:www-data\n");
      for (var link : new java.util.TreeMap<>(symlinks).entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(link.getKey(), TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(link.getValue());
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
      for (Entry extra : entries) {
        byte[] content =
            extra.content() == null
                ? new byte[0]
                : extra.content().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(extra.name());
        entry.setMode((extra.content() == null ? 040000 : 0100000) | extra.mode());
        entry.setUserId(extra.uid());
        entry.setGroupId(extra.gid());
        entry.setSize(content.length);
        entry.setModTime(0);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry dir = new TarArchiveEntry(name);
    dir.setMode(040755);
    dir.setModTime(0);
    tar.putArchiveEntry(dir);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, String text)
      throws IOException {
    byte[] content = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(0644);
    entry.setSize(content.length);
    entry.setModTime(0);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(content);
    }
    return bytes.toByteArray();
  }
}
