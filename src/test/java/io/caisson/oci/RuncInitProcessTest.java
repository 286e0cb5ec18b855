package io.caisson.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.caisson.linux.ProcessStamp;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RuncInitProcessTest {

  @Test
  void theFirstProcessIsThePidAndStartTimeRuncRecorded() throws Exception {
    // The fields as runc 1.1 writes them, among many others.
    String state =
        """
        {"id":"c1","init_process_pid":18476,"init_process_start":1694424,
         "created":"2026-11-24T04:05:37.399246953Z","config":{"rootfs":"/r"}}
        """;
    assertThat(Runc.initProcessOf(bytes(state))).contains(new ProcessStamp(18476, 1694424));
  }

  @Test
  void runcBefore1_0WroteTheStartTimeAsAString() throws Exception {
    String state = "{\"init_process_pid\":42,\"init_process_start\":\"777\"}";
    assertThat(Runc.initProcessOf(bytes(state))).contains(new ProcessStamp(42, 777));
  }

  @Test
  void aStateWithoutBothFieldsNamesNoProcess() throws Exception {
    assertThat(Runc.initProcessOf(bytes("{\"init_process_pid\":42}"))).isEmpty();
    assertThat(Runc.initProcessOf(bytes("{\"init_process_start\":777}"))).isEmpty();
    assertThat(Runc.initProcessOf(bytes("{\"init_process_pid\":0,\"init_process_start\":1}")))
        .isEmpty();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
