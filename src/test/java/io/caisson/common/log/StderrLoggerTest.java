package io.caisson.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class StderrLoggerTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void capture() {
    original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(original);
    LogLevels.setCaissonLevel("info");
  }

  private String output() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void slf4jFindsThisBackend() {
    assertThat(LoggerFactory.getLogger("io.caisson.x")).isInstanceOf(StderrLogger.class);
  }

  @Test
  void oneLineWithTimeLevelShortNameAndFormattedMessage() {
    LoggerFactory.getLogger("io.caisson.image.ImageService").info("{} images in {}", 3, "/var");
    assertThat(output())
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  ImageService: 3 images in"
                + " /var\n");
  }

  @Test
  void throwablesShowTheirCauseChainAndThrowingFrame() {
    Exception failure = new IllegalStateException("outer", new IOException("inner"));
    LoggerFactory.getLogger("io.caisson.T").warn("failed", failure);
    String[] lines = output().split("\n");
    assertThat(lines[0]).endsWith("WARN  T: failed");
    assertThat(lines[1]).isEqualTo("java.lang.IllegalStateException: outer");
    assertThat(lines[2]).startsWith("\tat io.caisson.common.log.StderrLoggerTest.");
    assertThat(lines[3]).isEqualTo("Caused by: java.io.IOException: inner");
  }

  @Test
  void aFailureThrownInTheJdkAlsoShowsTheCaissonCodeThatCalledIt() {
    StackTraceElement[] frames = {
      new StackTraceElement("sun.nio.ch.UnixFileDispatcherImpl", "write0", null, -2),
      new StackTraceElement("sun.nio.ch.IOUtil", "write", "IOUtil.java", 100),
      new StackTraceElement("io.caisson.store.AtomicFiles", "write", "AtomicFiles.java", 60),
      new StackTraceElement("io.caisson.oci.Bundle", "write", "Bundle.java", 40),
      new StackTraceElement("io.caisson.container.ContainerManager", "create", "C.java", 9),
    };
    StringBuilder line = new StringBuilder();
    StderrLogger.appendFrames(line, frames);
    assertThat(line.toString())
        .isEqualTo(
            "\tat sun.nio.ch.UnixFileDispatcherImpl.write0(Native Method)\n"
                + "\t...\n"
                + "\tat io.caisson.store.AtomicFiles.write(AtomicFiles.java:60)\n"
                + "\tat io.caisson.oci.Bundle.write(Bundle.java:40)\n");
  }

  @Test
  void caissonLoggersFollowTheConfiguredLevelEvenWhenCreatedBefore() {
    Logger logger = LoggerFactory.getLogger("io.caisson.container.ContainerManager");
    logger.debug("hidden");
    LogLevels.setCaissonLevel("debug");
    logger.debug("shown");
    assertThat(output()).doesNotContain("hidden").contains("DEBUG ContainerManager: shown");
  }

  @Test
  void librariesKeepTheirOwnThresholds() {
    LogLevels.setCaissonLevel("trace");
    LoggerFactory.getLogger("io.netty.channel.X").warn("netty warning");
    LoggerFactory.getLogger("io.grpc.Y").info("grpc info");
    LoggerFactory.getLogger("io.grpc.Y").warn("grpc warning");
    LoggerFactory.getLogger("org.other.Z").debug("other debug");
    assertThat(output())
        .doesNotContain("netty warning", "grpc info", "other debug")
        .contains("grpc warning");
  }
}
