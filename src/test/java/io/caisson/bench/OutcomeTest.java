package io.caisson.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class OutcomeTest {
  @Test
  void unimplementedIsNotAFailureEvenWhenWrapped() {
    var unimplemented = Status.UNIMPLEMENTED.withDescription("ExecSync").asRuntimeException();
    assertThat(Outcome.of(new ExecutionException(unimplemented)))
        .isEqualTo(new Outcome.Unimplemented("ExecSync"));
    assertThat(Outcome.of(unimplemented).text()).isEqualTo("n/a (UNIMPLEMENTED)");
  }

  @Test
  void otherStatusesFailNamingTheCode() {
    Outcome outcome = Outcome.of(Status.NOT_FOUND.withDescription("no pod").asRuntimeException());
    assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    assertThat(outcome.text()).isEqualTo("FAILED: NOT_FOUND: no pod");
  }

  @Test
  void tableShowsNotApplicableAndRatios() {
    var measuredA =
        new Outcome.Measured(
            java.util.Map.of("RunPodSandbox", new Samples.Metric("ms", List.of(1.0, 2.0, 3.0))));
    var measuredB =
        new Outcome.Measured(
            java.util.Map.of("RunPodSandbox", new Samples.Metric("ms", List.of(4.0, 4.0, 4.0))));
    String table =
        Report.table(
            List.of("A", "B"),
            List.of(
                new Runner.WorkloadResult("sandbox", List.of(measuredA, measuredB)),
                new Runner.WorkloadResult(
                    "exec", List.of(new Outcome.Unimplemented("x"), measuredB))));
    assertThat(table).contains("RunPodSandbox").contains("0.50").contains("n/a (UNIMPLEMENTED)");
  }

  @Test
  void listeningInodesAreFoundByPath() {
    String procNetUnix =
        """
        Num       RefCount Protocol Flags    Type St Inode Path
        0000000000000000: 00000002 00000000 00010000 0001 01 4242 /run/x/c.sock
        0000000000000000: 00000003 00000000 00000000 0001 03 4343 /run/x/c.sock
        0000000000000000: 00000002 00000000 00010000 0001 01 5555 /run/other.sock
        """;
    assertThat(ProcMemory.listeningInodes(procNetUnix, "/run/x/c.sock"))
        .containsExactlyInAnyOrder("4242", "4343");
  }
}
