package io.caisson.streaming;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A channel-protocol WebSocket client on java.net.http, the way client-go frames messages. */
final class WsTestClient implements WebSocket.Listener, AutoCloseable {

  record Message(int channel, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  static final Message CLOSED = new Message(-1, new byte[0]);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private final StringBuilder partialText = new StringBuilder();
  private WebSocket ws;

  static WsTestClient connect(URI url, String protocol, String... more) throws Exception {
    WsTestClient c = new WsTestClient();
    URI ws = URI.create(url.toString().replaceFirst("^http", "ws"));
    c.ws =
        HTTP.newWebSocketBuilder()
            .subprotocols(protocol, more)
            .buildAsync(ws, c)
            .get(10, TimeUnit.SECONDS);
    return c;
  }

  String subprotocol() {
    return ws.getSubprotocol();
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] b = new byte[data.remaining()];
    data.get(b);
    partial.writeBytes(b);
    if (last) {
      byte[] all = partial.toByteArray();
      partial.reset();
      byte[] payload = new byte[all.length - 1];
      System.arraycopy(all, 1, payload, 0, payload.length);
      messages.add(new Message(all[0] & 0xff, payload));
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partialText.append(data);
    if (last) {
      String all = partialText.toString();
      partialText.setLength(0);
      messages.add(new Message(all.charAt(0) - '0', Base64.getDecoder().decode(all.substring(1))));
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    messages.add(CLOSED);
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    messages.add(CLOSED);
    closed.completeExceptionally(error);
  }

  void send(int channel, byte[] data) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(data.length + 1);
    b.put((byte) channel).put(data).flip();
    ws.sendBinary(b, true).get(10, TimeUnit.SECONDS);
  }

  /** Sends unless the server stops taking data for {@code patience}; says whether it went. */
  boolean trySend(int channel, byte[] data, java.time.Duration patience) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(data.length + 1);
    b.put((byte) channel).put(data).flip();
    try {
      ws.sendBinary(b, true).get(patience.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  void send(int channel, String data) throws Exception {
    send(channel, data.getBytes(StandardCharsets.UTF_8));
  }

  void sendBase64(int channel, String data) throws Exception {
    String text =
        (char) ('0' + channel)
            + Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8));
    ws.sendText(text, true).get(10, TimeUnit.SECONDS);
  }

  Message next() throws InterruptedException {
    Message m = messages.poll(30, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no WebSocket message within 30 s");
    }
    return m;
  }

  /** Everything received per channel until the server closes the WebSocket. */
  Map<Integer, String> collect() throws InterruptedException {
    Map<Integer, ByteArrayOutputStream> out = new TreeMap<>();
    for (Message m = next(); m != CLOSED; m = next()) {
      out.computeIfAbsent(m.channel(), k -> new ByteArrayOutputStream()).writeBytes(m.data());
    }
    Map<Integer, String> text = new TreeMap<>();
    out.forEach((k, v) -> text.put(k, v.toString(StandardCharsets.UTF_8)));
    return text;
  }

  @Override
  public void close() {
    ws.abort();
  }
}
