package io.caisson.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMappingsTest {
  @TempDir Path dir;

  @Test
  void parsesALineWithAPathHoldingSpaces() {
    FileMappings.Mapping mapping =
        FileMappings.Mapping.parse(
            "7f2a00000000-7f2a00021000 r-xp 00001000 fe:00 2156678    /opt/my jdk/lib/libjvm.so");
    assertThat(mapping.start()).isEqualTo(0x7f2a00000000L);
    assertThat(mapping.length()).isEqualTo(0x21000);
    assertThat(mapping.permissions()).isEqualTo("r-xp");
    assertThat(mapping.path()).isEqualTo("/opt/my jdk/lib/libjvm.so");
    assertThat(mapping.isReadOnlyFile()).isTrue();
  }

  @Test
  void onlyReadableUnwritableFileMappingsAreReadOnlyFiles() {
    assertThat(mapping("r--p 00000000 fe:00 12 /usr/lib/libc.so.6").isReadOnlyFile()).isTrue();
    assertThat(mapping("r--s 00000000 fe:00 12 /jdk/lib/modules").isReadOnlyFile()).isTrue();
    // The AOT cache's read-write half, anonymous memory, the heap and the kernel's pages are not.
    assertThat(mapping("rw-p 00001000 fe:00 12 /opt/caisson.aot").isReadOnlyFile()).isFalse();
    assertThat(mapping("rw-p 00000000 00:00 0").isReadOnlyFile()).isFalse();
    assertThat(mapping("r--p 00000000 00:00 0").isReadOnlyFile()).isFalse();
    assertThat(mapping("rw-p 00000000 00:00 0 [heap]").isReadOnlyFile()).isFalse();
    assertThat(mapping("r-xp 00000000 00:00 0 [vdso]").isReadOnlyFile()).isFalse();
    assertThat(mapping("---p 00000000 fe:00 12 /usr/lib/libc.so.6").isReadOnlyFile()).isFalse();
  }

  @Test
  void aLineThatIsNoMappingIsRefused() {
    assertThatThrownBy(() -> FileMappings.Mapping.parse("Rss: 12 kB"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readsTheResidentFileBytesOfAStatus() {
    String status = "Name:\tjava\nRssAnon:\t  70000 kB\nRssFile:\t   27051 kB\nRssShmem:\t 0 kB\n";
    assertThat(FileMappings.residentFileBytes(status)).isEqualTo(27051L * 1024);
    assertThatThrownBy(() -> FileMappings.residentFileBytes("Name:\tjava\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thisProcessListsItsOwnLibraries() throws IOException {
    List<FileMappings.Mapping> mappings = FileMappings.ofThisProcess();
    assertThat(mappings).anyMatch(m -> m.isReadOnlyFile() && m.path().endsWith("libjvm.so"));
    assertThat(FileMappings.residentFileBytes()).isPositive();
  }

  @Test
  void aPagedOutMappingLeavesTheResidentSetAndReadsBackTheSame() throws IOException {
    Path file = dir.resolve("pages");
    byte[] content = new byte[8 << 20];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31);
    }
    Files.write(file, content);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, content.length);
      long sum = touch(buffer);
      FileMappings.Mapping mapping = find(file);
      assertThat(mapping.isReadOnlyFile()).isTrue();
      assertThat(residentKib(mapping)).isGreaterThanOrEqualTo(8 << 10);

      FileMappings.pageOut(mapping);

      assertThat(residentKib(mapping)).isLessThan(1 << 10);
      // The pages come back from the file as they were.
      assertThat(touch(buffer)).isEqualTo(sum);
      assertThat(buffer.get(12345)).isEqualTo(content[12345]);
    }
  }

  private static FileMappings.Mapping mapping(String rest) {
    return FileMappings.Mapping.parse("1000-3000 " + rest);
  }

  private static long touch(MappedByteBuffer buffer) {
    long sum = 0;
    for (int i = 0; i < buffer.capacity(); i += 4096) {
      sum += buffer.get(i);
    }
    return sum;
  }

  private static FileMappings.Mapping find(Path file) throws IOException {
    return FileMappings.ofThisProcess().stream()
        .filter(m -> m.path().equals(file.toString()))
        .findFirst()
        .orElseThrow();
  }

  /** The mapping's Rss line in /proc/self/smaps. */
  private static long residentKib(FileMappings.Mapping mapping) throws IOException {
    String header = Long.toHexString(mapping.start()) + "-";
    boolean in = false;
    for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
      if (line.startsWith(header)) {
        in = true;
      } else if (in && line.startsWith("Rss:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no mapping at " + header);
  }
}
