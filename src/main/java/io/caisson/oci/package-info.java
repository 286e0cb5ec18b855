/**
 * The OCI runtime layer: the runtime spec model ({@link io.caisson.oci.OciSpec}, built with {@link
 * io.caisson.oci.OciSpecBuilder}), seccomp profiles ({@link io.caisson.oci.SeccompProfiles}), and
 * the drivers for runc ({@link io.caisson.oci.Runc}) and conmon ({@link io.caisson.oci.Conmon}).
 *
 * <p>Files per container: the bundle holds config.json, rootfs, conmon's pid files ({@code
 * pidfile}, {@code conmon.pid}), its {@code ctl} and {@code winsz} fifos, the {@code attach} socket
 * and, with the default persist dir, the {@code exit} and {@code oom} markers; the exit dir holds
 * one file per container named by its id; the socket dir holds a short symlink per container to its
 * bundle so attach socket paths fit in 108 bytes.
 *
 * <p>Interactive exec uses pipes. A TTY exec needs the pty master that runc sends over {@code
 * --console-socket} with SCM_RIGHTS; receiving it needs socket/bind/accept/recvmsg through the FFM
 * API, or conmon's {@code --exec-attach} mode with its SOCK_SEQPACKET attach socket.
 */
package io.caisson.oci;
