package io.caisson.streaming;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the streaming server: redeems the token in {@code /KIND/TOKEN}, negotiates a
 * stream protocol and turns the connection into SPDY/3.1 or a WebSocket. Anything that does not end
 * in an upgrade gets an HTTP error and the connection is closed.
 */
final class UpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(UpgradeHandler.class);
  static final int MAX_WS_FRAME = 16 << 20;
  static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";

  private final TokenRegistry tokens;
  private final Backends backends;

  UpgradeHandler(TokenRegistry tokens, Backends backends) {
    this.tokens = tokens;
    this.backends = backends;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      reject(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
      return;
    }
    if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.POST)) {
      reject(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and POST");
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
    String[] parts = uri.path().split("/");
    // "/exec/TOKEN" splits into "", "exec", "TOKEN"
    Optional<StreamRequest> request = parts.length == 3 ? tokens.take(parts[2]) : Optional.empty();
    if (request.isEmpty() || !request.get().kind().equals(parts[1])) {
      reject(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
    boolean connectionUpgrade =
        req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    if (connectionUpgrade && upgrade.equalsIgnoreCase("websocket")) {
      upgradeWebSocket(ctx, req, uri, request.get());
    } else if (connectionUpgrade && upgrade.equalsIgnoreCase(Protocols.SPDY)) {
      upgradeSpdy(ctx, req, request.get());
    } else {
      reject(
          ctx,
          HttpResponseStatus.BAD_REQUEST,
          "unable to upgrade: missing upgrade headers in request");
    }
  }

  // ---- SPDY ----

  private void upgradeSpdy(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest request) {
    List<String> offered = Protocols.offered(req.headers().getAll(PROTOCOL_HEADER));
    SpdySession.Service service;
    String chosen;
    List<String> supported;
    if (request instanceof StreamRequest.PortForward pf) {
      supported = List.of(Protocols.PORT_FORWARD);
      chosen = offered.contains(Protocols.PORT_FORWARD) ? Protocols.PORT_FORWARD : null;
      service = new SpdyPortForward(pf, backends.portForward());
    } else {
      supported = Protocols.names(Protocols.SPDY_REMOTE_COMMAND);
      Optional<Protocols.RemoteCommand> picked =
          Protocols.pickRemoteCommand(offered, Protocols.SPDY_REMOTE_COMMAND);
      chosen = picked.map(Protocols.RemoteCommand::name).orElse(null);
      service = picked.map(p -> new SpdyRemoteCommand(request, backends, p)).orElse(null);
    }
    if (chosen == null) {
      HttpResponse res =
          response(
              HttpResponseStatus.FORBIDDEN,
              "unable to upgrade: unable to negotiate protocol: client supports %s, server accepts %s"
                  .formatted(offered, supported));
      for (String s : supported) {
        res.headers().add("X-Accepted-Stream-Protocol-Versions", s);
      }
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    HttpResponse res =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    res.headers()
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, Protocols.SPDY)
        .set(PROTOCOL_HEADER, chosen);
    // The response is encoded by the HTTP codec as it is written; only then may the codec go.
    ctx.writeAndFlush(res);
    Channel ch = ctx.channel();
    ChannelPipeline p = ctx.pipeline();
    p.addAfter(ctx.name(), "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    p.addAfter("spdy", "spdy-session", new SpdySession(ch, service));
    p.remove(HttpObjectAggregator.class);
    p.remove(this);
    p.remove(HttpServerCodec.class); // hands bytes the client sent early on to the SPDY codec
    LOG.debug("{}: {} over SPDY/3.1 ({})", ch, request.kind(), chosen);
  }

  // ---- WebSocket ----

  private void upgradeWebSocket(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      QueryStringDecoder uri,
      StreamRequest request) {
    List<String> offered =
        Protocols.offered(req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
    List<String> supported;
    String chosen; // null: the client named no subprotocol, which kubelet takes as binary
    if (request instanceof StreamRequest.PortForward) {
      supported = Protocols.WS_PORT_FORWARD;
      chosen = supported.stream().filter(offered::contains).findFirst().orElse(null);
    } else {
      supported = Protocols.names(Protocols.WS_REMOTE_COMMAND);
      chosen = supported.stream().filter(offered::contains).findFirst().orElse(null);
    }
    if (chosen == null && !offered.isEmpty()) {
      reject(
          ctx,
          HttpResponseStatus.BAD_REQUEST,
          "unable to upgrade: requested protocol(s) are not supported: %s; supports %s"
              .formatted(offered, supported));
      return;
    }
    List<Integer> ports = List.of();
    if (request instanceof StreamRequest.PortForward pf
        && !Protocols.SPDY_TUNNEL_PORT_FORWARD.equals(chosen)) {
      ports = pf.ports().isEmpty() ? queryPorts(uri) : pf.ports();
      if (ports == null || ports.isEmpty()) {
        reject(ctx, HttpResponseStatus.BAD_REQUEST, "query parameter \"port\" is required");
        return;
      }
    }
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(
                "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri(),
                chosen,
                false,
                MAX_WS_FRAME)
            .newHandshaker(req);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      ctx.close();
      return;
    }
    Channel ch = ctx.channel();
    ChannelPipeline p = ctx.pipeline();
    Runnable start;
    if (Protocols.SPDY_TUNNEL_PORT_FORWARD.equals(chosen)) {
      // Installed once the handshake response is out: the SPDY codec cannot write HTTP.
      SpdySession session =
          new SpdySession(
              ch, new SpdyPortForward((StreamRequest.PortForward) request, backends.portForward()));
      start =
          () ->
              p.addLast(Connections.WS_HANDLER, new WsByteTunnel())
                  .addLast("spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1))
                  .addLast("spdy-session", session);
    } else {
      boolean base64 = chosen != null && chosen.contains("base64");
      WsConnection conn = new WsConnection(ch, base64);
      p.addAfter(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_WS_FRAME));
      p.addAfter("ws-aggregator", Connections.WS_HANDLER, conn);
      if (request instanceof StreamRequest.PortForward pf) {
        WsPortForward service = new WsPortForward(conn, pf, ports, backends);
        conn.service(service);
        start = service::start;
      } else {
        Protocols.RemoteCommand protocol =
            Protocols.WS_REMOTE_COMMAND.stream()
                .filter(rc -> rc.name().equals(chosen))
                .findFirst()
                .orElse(new Protocols.RemoteCommand("", 1, false));
        WsRemoteCommand service = new WsRemoteCommand(conn, request, backends, protocol);
        conn.service(service);
        start = service::start;
      }
    }
    p.remove(this);
    handshaker
        .handshake(ch, req)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                LOG.debug("{}: {} over WebSocket ({})", ch, request.kind(), chosen);
                if (Protocols.SPDY_TUNNEL_PORT_FORWARD.equals(chosen)) {
                  start.run(); // on the event loop, before the client's first frame is read
                } else {
                  Thread.ofVirtual().name("stream-ws-start").start(start);
                }
              } else {
                ch.close();
              }
            });
  }

  private static List<Integer> queryPorts(QueryStringDecoder uri) {
    List<Integer> ports = new ArrayList<>();
    for (String value : uri.parameters().getOrDefault("port", List.of())) {
      try {
        int port = Integer.parseInt(value);
        if (port < 1 || port > 65535) {
          return null;
        }
        ports.add(port);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return ports;
  }

  // ---- errors ----

  private static HttpResponse response(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse res =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return res;
  }

  private static void reject(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    ctx.writeAndFlush(response(status, message)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: streaming request failed: {}", ctx.channel(), cause.toString());
    ctx.close();
  }
}
