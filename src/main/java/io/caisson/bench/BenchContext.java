package io.caisson.bench;

/**
 * What a workload may use on one endpoint.
 *
 * @param daemonPid the endpoint's daemon process for memory sampling, or -1 when unknown
 * @param startCommand shell command that starts a daemon serving {@code startSocket}, or null
 * @param runcFloor the raw runc run timed beside container starts, or null when not asked for
 * @param execFloor the raw runc exec timed beside ExecSync, or null when not asked for
 */
public record BenchContext(
    CriClient client,
    Fleet fleet,
    int iterations,
    int pods,
    String image,
    String pullImage,
    long daemonPid,
    String startCommand,
    java.nio.file.Path startSocket,
    RuncFloor runcFloor,
    RuncExecFloor execFloor) {}
