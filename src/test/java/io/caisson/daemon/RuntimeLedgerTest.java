package io.caisson.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeLedgerTest {
  private static final RuntimeLedger.Entry RUNC =
      new RuntimeLedger.Entry("/usr/sbin/runc", "/run/caisson/runc");
  private static final RuntimeLedger.Entry KATA =
      new RuntimeLedger.Entry("/opt/kata/bin/kata-runtime", "/run/caisson/kata");

  @TempDir Path dir;

  @Test
  void aMissingLedgerIsEmptyAndWrittenOnlyOnceSomethingIsAdded() throws Exception {
    Path file = dir.resolve("runtimes.json");
    RuntimeLedger ledger = RuntimeLedger.open(file);
    assertThat(ledger.entries()).isEmpty();
    ledger.retainOnly(List.of(RUNC));
    assertThat(file).doesNotExist();

    ledger.addAll(List.of(RUNC, KATA));
    assertThat(RuntimeLedger.open(file).entries()).containsExactlyInAnyOrder(RUNC, KATA);
  }

  @Test
  void retainOnlyForgetsTheOthersForGood() throws Exception {
    Path file = dir.resolve("runtimes.json");
    RuntimeLedger ledger = RuntimeLedger.open(file);
    ledger.addAll(List.of(RUNC, KATA));
    ledger.retainOnly(List.of(RUNC));
    assertThat(ledger.entries()).containsExactly(RUNC);
    assertThat(RuntimeLedger.open(file).entries()).containsExactly(RUNC);
  }

  @Test
  void anUnreadableLedgerStartsEmptyAndIsReplaced() throws Exception {
    Path file = Files.writeString(dir.resolve("runtimes.json"), "[{\"binary\": ");
    RuntimeLedger ledger = RuntimeLedger.open(file);
    assertThat(ledger.entries()).isEmpty();
    ledger.addAll(List.of(KATA));
    assertThat(RuntimeLedger.open(file).entries()).containsExactly(KATA);
  }
}
