package io.caisson.streaming;

/** What the streaming server calls to reach containers and pods. */
public record Backends(ExecBackend exec, AttachBackend attach, PortForwardBackend portForward) {}
