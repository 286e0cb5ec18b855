package io.caisson.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A one-layer OCI image made of this node's own {@code sleep} and {@code true} and the shared
 * libraries they load, for the AOT cache's training run: a fresh node has no image and no registry,
 * and the run must pull, start, exec into and stop a real container. The image's {@code sleep} is
 * the container's process, its {@code true} the exec'd one.
 *
 * @param manifest the OCI image manifest
 * @param config the image config
 * @param layer the gzip-compressed layer
 */
record TrainingImage(byte[] manifest, byte[] config, byte[] layer) {
  private static final List<Path> PROGRAMS = List.of(Path.of("/bin/sleep"), Path.of("/bin/true"));
  // ldd's lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and, for the loader,
  // "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no file.
  private static final Pattern LIBRARY = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)");

  /** Builds the image from the programs and libraries on this node. */
  static TrainingImage ofThisNode() throws IOException, InterruptedException {
    Set<Path> files = new LinkedHashSet<>(PROGRAMS);
    for (Path program : PROGRAMS) {
      files.addAll(librariesOf(program));
    }
    byte[] tar = tarOf(files);
    byte[] layer = gzip(tar);
    byte[] config =
        """
        {"architecture":"amd64","os":"linux",\
        "config":{"Env":["PATH=/bin"],"Cmd":["/bin/sleep","3600"]},\
        "rootfs":{"type":"layers","diff_ids":["%s"]}}"""
            .formatted(digestOf(tar))
            .getBytes(StandardCharsets.UTF_8);
    byte[] manifest =
        """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json",\
        "digest":"%s","size":%d},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",\
        "digest":"%s","size":%d}]}"""
            .formatted(digestOf(config), config.length, digestOf(layer), layer.length)
            .getBytes(StandardCharsets.UTF_8);
    return new TrainingImage(manifest, config, layer);
  }

  /** {@code sha256:HEX} of some bytes, as registries name blobs. */
  static String digestOf(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** The shared libraries a dynamically linked program loads, as ldd lists them. */
  private static List<Path> librariesOf(Path program) throws IOException, InterruptedException {
    Process ldd = new ProcessBuilder("ldd", program.toString()).redirectErrorStream(true).start();
    String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!ldd.waitFor(30, TimeUnit.SECONDS) || ldd.exitValue() != 0) {
      // A static program ("not a dynamic executable") needs nothing else.
      return List.of();
    }
    List<Path> libraries = new ArrayList<>();
    Matcher m = LIBRARY.matcher(out);
    while (m.find()) {
      libraries.add(Path.of(m.group(1)));
    }
    return libraries;
  }

  /** A tar of the files at their own paths (symbolic links followed), with their directories. */
  private static byte[] tarOf(Set<Path> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      Set<Path> directories = new LinkedHashSet<>();
      for (Path file : files) {
        for (Path dir = file.getParent(); dir != null && dir.getParent() != null; ) {
          directories.add(dir);
          dir = dir.getParent();
        }
      }
      for (Path dir : directories.stream().sorted().toList()) {
        TarArchiveEntry entry = new TarArchiveEntry(relative(dir) + "/");
        entry.setMode(040755);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
      for (Path file : files) {
        byte[] content = Files.readAllBytes(file); // follows links: the layer holds the file
        TarArchiveEntry entry = new TarArchiveEntry(relative(file));
        entry.setMode(0100755);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static String relative(Path absolute) {
    return absolute.toString().substring(1);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(data);
    }
    return bytes.toByteArray();
  }
}
