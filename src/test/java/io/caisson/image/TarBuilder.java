package io.caisson.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars for tests, including raw PAX headers with binary xattr values. */
final class TarBuilder {
  static final FileTime MTIME = FileTime.from(Instant.parse("2024-01-02T03:04:05Z"));

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  TarBuilder() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  TarBuilder dir(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040000 | mode);
    return put(e, null);
  }

  TarBuilder file(String name, String content, int mode) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), mode, 0, 0);
  }

  TarBuilder file(String name, byte[] content, int mode, int uid, int gid) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(content.length);
    e.setUserId(uid);
    e.setGroupId(gid);
    return put(e, content);
  }

  TarBuilder symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    e.setMode(0120777);
    return put(e, null);
  }

  TarBuilder hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    return put(e, null);
  }

  TarBuilder device(String name, byte type, int major, int minor, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, type);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    e.setMode(mode);
    return put(e, null);
  }

  /** A PAX extended header written by hand, so values can be arbitrary bytes. */
  TarBuilder rawPax(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (var r : records.entrySet()) {
      byte[] kv = (r.getKey() + "=").getBytes(StandardCharsets.UTF_8);
      int payload = 1 + kv.length + r.getValue().length + 1; // space, key=, value, newline
      int len = payload + 1;
      while (Integer.toString(len).length() + payload != len) {
        len = Integer.toString(len).length() + payload;
      }
      body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(kv);
      body.writeBytes(r.getValue());
      body.write('\n');
    }
    TarArchiveEntry e = new TarArchiveEntry("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
    e.setSize(body.size());
    return put(e, body.toByteArray());
  }

  private TarBuilder put(TarArchiveEntry e, byte[] content) {
    try {
      e.setModTime(MTIME);
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
      return this;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  byte[] build() {
    try {
      tar.finish();
      tar.close();
      return bytes.toByteArray();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
