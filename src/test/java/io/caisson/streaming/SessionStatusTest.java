package io.caisson.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionStatusTest {

  private static String v4(SessionStatus s) {
    return new String(s.encode(true), StandardCharsets.UTF_8);
  }

  @Test
  void v4SuccessIsTheKubeletStatus() {
    assertThat(v4(new SessionStatus.Success()))
        .isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
  }

  @Test
  void v4NonZeroExitCarriesTheCodeAsACause() {
    assertThat(v4(new SessionStatus.NonZeroExit(List.of("sh", "-c", "exit 3"), 3)))
        .isEqualTo(
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with"
                + " non-zero exit code: error executing command [sh, -c, exit 3], exit code 3\","
                + "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
                + "\"message\":\"3\"}]}}");
  }

  @Test
  void olderProtocolsSayNothingOnSuccess() {
    assertThat(new SessionStatus.Success().encode(false)).isEmpty();
    assertThat(new String(new SessionStatus.Failed("boom").encode(false), StandardCharsets.UTF_8))
        .isEqualTo("boom");
  }
}
