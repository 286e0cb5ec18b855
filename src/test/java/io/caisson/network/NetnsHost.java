package io.caisson.network;

import io.caisson.linux.Namespaces;
import io.caisson.linux.Syscalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helpers around real network namespaces and the host's ip / iptables tools. */
final class NetnsHost {
  private NetnsHost() {}

  /** A pod's network namespace as the sandbox manager creates one: new, with lo up. */
  static void pin(Path netns) throws IOException {
    Namespaces.pin(
        Map.of(Namespaces.Kind.NET, netns),
        () -> {
          PodNetwork.loopbackUp();
          return null;
        });
  }

  static void release(Path netns) {
    Namespaces.release(List.of(netns));
  }

  /** Runs a command and returns its stdout; fails on a non-zero exit. */
  static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code ip args...} inside the namespace. */
  static String ipIn(Path netns, String... args) {
    String[] command = new String[args.length + 2];
    command[0] = "nsenter";
    command[1] = "--net=" + netns;
    System.arraycopy(args, 0, command, 2, args.length);
    return run(command);
  }

  /**
   * A TCP server bound to {@code port} inside the namespace: the socket is created on a platform
   * thread that joined the netns (setns is per thread), then served from any thread. Each
   * connection gets one line: "pong".
   */
  static ServerSocket serveIn(Path netns, int port) throws Exception {
    CompletableFuture<ServerSocket> opened = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                int fd = Syscalls.openReadOnly(netns);
                try {
                  Syscalls.setns(fd, Syscalls.CLONE_NEWNET);
                } finally {
                  Syscalls.close(fd);
                }
                ServerSocket server = new ServerSocket();
                server.bind(new InetSocketAddress("0.0.0.0", port));
                opened.complete(server);
              } catch (Throwable t) {
                opened.completeExceptionally(t);
              }
            });
    ServerSocket server = opened.get();
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try (Socket client = server.accept();
                    OutputStream out = client.getOutputStream()) {
                  out.write("pong\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  // Closed at the end of the test.
                }
              }
            });
    return server;
  }

  /**
   * A UDP socket bound to {@code port} inside the namespace (made on a platform thread that joined
   * it) that answers every datagram with "pong".
   */
  static DatagramSocket serveUdpIn(Path netns, int port) throws Exception {
    CompletableFuture<DatagramSocket> opened = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                int fd = Syscalls.openReadOnly(netns);
                try {
                  Syscalls.setns(fd, Syscalls.CLONE_NEWNET);
                } finally {
                  Syscalls.close(fd);
                }
                opened.complete(new DatagramSocket(new InetSocketAddress("0.0.0.0", port)));
              } catch (Throwable t) {
                opened.completeExceptionally(t);
              }
            });
    DatagramSocket socket = opened.get();
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] buffer = new byte[512];
              byte[] pong = "pong".getBytes(StandardCharsets.UTF_8);
              while (!socket.isClosed()) {
                try {
                  DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                  socket.receive(in);
                  socket.send(new DatagramPacket(pong, pong.length, in.getSocketAddress()));
                } catch (IOException e) {
                  // Closed at the end of the test.
                }
              }
            });
    return socket;
  }

  /** Sends one datagram and returns the answer; a lost one is retried a few times. */
  static String udpTalk(String host, int port) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(1000);
      byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
      for (int attempt = 0; ; attempt++) {
        socket.send(new DatagramPacket(ping, ping.length, new InetSocketAddress(host, port)));
        DatagramPacket answer = new DatagramPacket(new byte[512], 512);
        try {
          socket.receive(answer);
          return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
        } catch (java.net.SocketTimeoutException e) {
          if (attempt == 2) {
            throw e;
          }
        }
      }
    }
  }

  /** Connects and reads the server's line. */
  static String talk(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 3000);
      socket.setSoTimeout(3000);
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static List<String> natRulesMentioning(String text) {
    return run("iptables-save", "-t", "nat").lines().filter(l -> l.contains(text)).toList();
  }

  /**
   * The iptables and ip6tables lines (all tables, counters dropped) that belong to whatever the
   * markers identify: lines mentioning a marker (a pod id, a network name, a subnet), the chains
   * those lines append to or jump to (except the chains portmap shares between all pods), and every
   * line declaring, filling or jumping to one of those chains or to the extra chains given. Unlike
   * a whole-table comparison this stays exact while other pods come and go on the node.
   */
  static Footprint iptablesFootprint(List<String> markers, Set<String> extraChains) {
    List<String> lines = new ArrayList<>();
    for (String tool : List.of("iptables-save", "ip6tables-save")) {
      String table = "";
      for (String line : run(tool).lines().toList()) {
        if (line.startsWith("*")) {
          table = line.substring(1);
        } else if (line.startsWith(":") || line.startsWith("-")) {
          String family = tool.startsWith("ip6") ? "v6" : "v4";
          lines.add(family + " " + table + " " + COUNTERS.matcher(line).replaceAll(""));
        }
      }
    }
    Set<String> chains = new TreeSet<>(extraChains);
    for (String line : lines) {
      if (markers.stream().anyMatch(line::contains)) {
        Matcher m = CHAIN_REF.matcher(line);
        while (m.find()) {
          if (!m.group(2).startsWith("CNI-HOSTPORT-")) {
            chains.add(m.group(2));
          }
        }
      }
    }
    List<String> owned =
        lines.stream()
            .filter(
                l ->
                    markers.stream().anyMatch(l::contains)
                        || chains.stream()
                            .anyMatch(
                                c ->
                                    l.contains(" :" + c + " ")
                                        || l.contains("-A " + c + " ")
                                        || l.endsWith("-j " + c)
                                        || l.contains("-j " + c + " ")))
            .sorted()
            .toList();
    return new Footprint(owned, chains);
  }

  /** What {@link #iptablesFootprint} found: the lines, and the per-pod chains among them. */
  record Footprint(List<String> lines, Set<String> chains) {}

  private static final Pattern COUNTERS = Pattern.compile(" \\[\\d+:\\d+\\]$");
  private static final Pattern CHAIN_REF = Pattern.compile("(-A|-j|-g) (CNI-[A-Za-z0-9_-]+)");

  static boolean portmapChainsExist() {
    return run("iptables-save", "-t", "nat").contains(":CNI-HOSTPORT-DNAT ");
  }

  /**
   * Removes the chains the portmap plugin shares between all pods, and the jumps to them, when no
   * pod's rule is left in them (another user of portmap on this node keeps them).
   */
  static void removeUnusedPortmapChains() {
    if (!portmapChainsExist()
        || !run("iptables", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT")
            .strip()
            .equals("-N CNI-HOSTPORT-DNAT")) {
      return;
    }
    List<List<String>> jumps =
        List.of(
            List.of(
                "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT"),
            List.of("OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT"),
            List.of(
                "POSTROUTING",
                "-m",
                "comment",
                "--comment",
                "CNI portfwd requiring masquerade",
                "-j",
                "CNI-HOSTPORT-MASQ"));
    for (List<String> jump : jumps) {
      List<String> command = new ArrayList<>(List.of("iptables", "-t", "nat", "-D"));
      command.addAll(jump);
      try {
        run(command.toArray(String[]::new));
      } catch (IllegalStateException e) {
        // Not there.
      }
    }
    for (String chain : List.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK")) {
      try {
        run("iptables", "-t", "nat", "-F", chain);
        run("iptables", "-t", "nat", "-X", chain);
      } catch (IllegalStateException e) {
        // Gone, or in use again.
      }
    }
  }
}
