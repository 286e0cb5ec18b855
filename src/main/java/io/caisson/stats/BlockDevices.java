package io.caisson.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Block device names by number ({@code 8:0} is {@code /dev/sda}), as cAdvisor labels its I/O
 * series: the kernel's own name from sysfs, the number itself for a device sysfs does not list.
 */
public final class BlockDevices {
  private final Path sysDevBlock;
  private final Map<String, String> names = new ConcurrentHashMap<>();

  BlockDevices(Path sysDevBlock) {
    this.sysDevBlock = sysDevBlock;
  }

  public static BlockDevices host() {
    return new BlockDevices(Path.of("/sys/dev/block"));
  }

  public String name(int major, int minor) {
    return names.computeIfAbsent(major + ":" + minor, this::lookUp);
  }

  private String lookUp(String number) {
    try {
      for (String line : Files.readAllLines(sysDevBlock.resolve(number).resolve("uevent"))) {
        if (line.startsWith("DEVNAME=")) {
          return "/dev/" + line.substring("DEVNAME=".length());
        }
      }
    } catch (IOException e) {
      // Not listed (gone, or no sysfs here): the number still tells devices apart.
    }
    return number;
  }
}
