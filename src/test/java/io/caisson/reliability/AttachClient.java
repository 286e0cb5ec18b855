package io.caisson.reliability;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The smallest attach client: kubelet's v4 channel protocol over WebSocket (one leading byte per
 * frame names the stream: 0 stdin, 1 stdout), enough to type a line and read the answer.
 */
final class AttachClient implements WebSocket.Listener, AutoCloseable {
  private final StringBuffer stdout = new StringBuffer();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private WebSocket ws;
  final StringBuffer frames = new StringBuffer();

  static AttachClient connect(String url) throws Exception {
    AttachClient client = new AttachClient();
    client.ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .subprotocols("v4.channel.k8s.io")
            .buildAsync(URI.create(url.replaceFirst("^http", "ws")), client)
            .get(10, TimeUnit.SECONDS);
    return client;
  }

  void type(String line) throws Exception {
    byte[] text = line.getBytes(StandardCharsets.UTF_8);
    ByteBuffer frame = ByteBuffer.allocate(text.length + 1).put((byte) 0).put(text).flip();
    ws.sendBinary(frame, true).get(10, TimeUnit.SECONDS);
  }

  /** Waits until stdout contains {@code expected}; returns all stdout so far. */
  String awaitStdout(String expected) throws InterruptedException {
    for (int i = 0; i < 200 && !stdout.toString().contains(expected); i++) {
      Thread.sleep(50);
    }
    return stdout.toString() + " [frames " + frames + "]";
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    frames.append("text:").append(data).append(' ');
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int code, String reason) {
    frames.append("close:").append(code).append(':').append(reason).append(' ');
    return null;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    partial.writeBytes(bytes);
    if (last) {
      byte[] message = partial.toByteArray();
      partial.reset();
      frames
          .append(message.length > 0 ? message[0] : -1)
          .append(':')
          .append(message.length)
          .append(' ');
      if (message.length > 1 && message[0] == 3) {
        frames.append(new String(message, 1, message.length - 1, StandardCharsets.UTF_8));
      }
      if (message.length > 1 && message[0] == 1) {
        stdout.append(new String(message, 1, message.length - 1, StandardCharsets.UTF_8));
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public void close() {
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "")
        .orTimeout(5, TimeUnit.SECONDS)
        .exceptionally(e -> null);
    ws.abort();
  }
}
