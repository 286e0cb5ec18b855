package io.caisson.oci;

import java.time.Instant;

/**
 * How a container ended, as conmon recorded it.
 *
 * @param exitCode the exit status, 128 + signal for a signalled process, -1 when conmon could not
 *     tell
 * @param finishedAt when conmon wrote the exit file (just after the process was reaped)
 * @param oomKilled the kernel's OOM killer hit the container's cgroup
 */
public record ExitInfo(int exitCode, Instant finishedAt, boolean oomKilled) {}
