package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import io.caisson.linux.Spawn;
import io.caisson.linux.Spawn.Stdio;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one plugin binary once: CNI_* environment, config on stdin, JSON on stdout, all within a
 * time limit. A failing plugin's error object ({@code {code, msg, details}}) becomes the message.
 */
final class CniExec {
  private static final Logger LOG = LoggerFactory.getLogger(CniExec.class);

  // Plugins exec iptables, ip6tables and friends by name, so sbin must be on the PATH even when
  // the daemon was started with a minimal one.
  private static final String SYSTEM_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final Duration timeout;

  CniExec(Duration timeout) {
    this.timeout = timeout;
  }

  /** What the plugin is asked to do; {@code network} only serves error messages. */
  record Call(Path binary, String type, String network, Map<String, String> cniEnv, byte[] stdin) {}

  /** Runs the plugin; returns its stdout, which may be empty (DEL, CHECK). */
  byte[] run(Call call) {
    Map<String, String> env = new HashMap<>(Spawn.inheritedEnvironment());
    env.keySet().removeIf(k -> k.startsWith("CNI_"));
    env.merge("PATH", SYSTEM_PATH, (mine, system) -> mine + ":" + system);
    env.putAll(call.cniEnv());
    String command = call.cniEnv().get("CNI_COMMAND");
    long started = System.nanoTime();
    Process process;
    try {
      process =
          new Spawn(List.of(call.binary().toString())).environment(env).stdin(Stdio.PIPE).start();
    } catch (IOException e) {
      throw new CaissonException(
          CaissonException.Kind.FAILED_PRECONDITION,
          "%s: cannot start CNI plugin %s: %s"
              .formatted(where(call), call.binary(), e.getMessage()),
          e);
    }
    CompletableFuture<byte[]> stdout = drain(process.getInputStream());
    CompletableFuture<byte[]> stderr = drain(process.getErrorStream());
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(call.stdin());
      } catch (IOException e) {
        // A plugin that exits before reading its config: its exit status tells why.
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new CaissonException(
            CaissonException.Kind.DEADLINE_EXCEEDED,
            "%s: CNI plugin %s did not finish %s within %s"
                .formatted(where(call), call.type(), command, timeout));
      }
      byte[] out = stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      byte[] err = stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (process.exitValue() != 0) {
        throw new CaissonException(
            CaissonException.Kind.INTERNAL,
            "%s: CNI plugin %s failed on %s: %s"
                .formatted(
                    where(call), call.type(), command, errorText(out, err, process.exitValue())));
      }
      // Plugins are most of a pod's start-up time: say how long each took, for whoever tunes it.
      LOG.debug(
          "{}: {} {} of {} in {} µs",
          where(call),
          call.type(),
          command,
          call.cniEnv().get("CNI_CONTAINERID"),
          (System.nanoTime() - started) / 1000);
      return out;
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new CaissonException(
          CaissonException.Kind.UNAVAILABLE, where(call) + ": interrupted while running CNI", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      kill(process);
      throw CaissonException.internal(where(call) + ": reading CNI plugin output failed", e);
    }
  }

  private static String where(Call call) {
    return "network \"" + call.network() + "\"";
  }

  /**
   * The plugin's own words: "msg" and "details" from its error object (spec: stdout, but some
   * plugins write it to stderr), else whatever text it printed, else the exit status.
   */
  static String errorText(byte[] stdout, byte[] stderr, int exitValue) {
    for (byte[] stream : new byte[][] {stdout, stderr}) {
      try {
        JsonValue error = Json.parse(stream);
        if (error != null && error.hasNonNull("msg")) {
          String text = error.get("msg").asText();
          if (error.hasNonNull("details") && !error.get("details").asText().isEmpty()) {
            text += ": " + error.get("details").asText();
          }
          if (error.hasNonNull("code")) {
            text += " (code " + error.get("code").asText() + ")";
          }
          return text;
        }
      } catch (IOException e) {
        // Not JSON: fall through to the raw text.
      }
    }
    String raw =
        (new String(stderr, StandardCharsets.UTF_8)
                + " "
                + new String(stdout, StandardCharsets.UTF_8))
            .strip();
    if (raw.length() > 2000) {
      raw = raw.substring(0, 2000) + "…";
    }
    return raw.isEmpty() ? "exit status " + exitValue : raw;
  }

  private static CompletableFuture<byte[]> drain(InputStream stream) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("cni-output")
        .start(
            () -> {
              try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                result.complete(buffer.toByteArray());
              } catch (IOException e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /** Ends the plugin and whatever it started (an IPAM plugin, iptables). */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
