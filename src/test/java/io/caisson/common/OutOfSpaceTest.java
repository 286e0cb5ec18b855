package io.caisson.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;

class OutOfSpaceTest {
  @Test
  void recognisesTheJdksTextForEnospcAndEdquot() {
    assertTrue(OutOfSpace.causedBy(new IOException("No space left on device")));
    assertTrue(
        OutOfSpace.causedBy(
            new FileSystemException("/var/lib/caisson/x", null, "Disk quota exceeded")));
    assertTrue(OutOfSpace.causedBy(new IOException("mknod(/x): ENOSPC (no space left on device)")));
  }

  @Test
  void looksThroughTheCauseChain() {
    var root = new IOException("No space left on device");
    var wrapped = CaissonException.internal("cannot write /x", new UncheckedIOException(root));
    assertTrue(OutOfSpace.causedBy(wrapped));
  }

  @Test
  void otherFailuresAreNotOutOfSpace() {
    assertFalse(OutOfSpace.causedBy(new IOException("Connection reset by peer")));
    assertFalse(OutOfSpace.causedBy(new IOException((String) null)));
    assertFalse(OutOfSpace.causedBy(null));
  }

  @Test
  void aCyclicCauseChainEnds() {
    var a = new IOException("a");
    var b = new IOException("b", a);
    a.initCause(b);
    assertFalse(OutOfSpace.causedBy(a));
  }
}
