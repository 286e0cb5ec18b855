package io.caisson.image;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A TLS context (the registries' default, see {@link RegistryTls}) obtained on first use instead of
 * when an HTTP client is built. The JDK's HTTP client asks for a TLS context as it is built, and
 * the default one loads the TLS provider, its ciphers and the CA bundle: some 500 classes and their
 * metadata, held for the daemon's life. The client for plain-http registries (a node's local
 * mirror) rarely needs TLS at all (only when a registry redirects or sends its token request to an
 * https address), so it gets this context and pays for TLS only then.
 */
final class DeferredTlsContext extends SSLContext {
  private DeferredTlsContext(Supplier<SSLContext> source) {
    super(new Spi(source), null, "Default");
  }

  /** The context {@code source} gives, asked for the first time TLS is used. */
  static SSLContext create(Supplier<SSLContext> source) {
    return new DeferredTlsContext(source);
  }

  /** Hands every call to the source's context, obtained the first time one is made. */
  private static final class Spi extends SSLContextSpi {
    private final Supplier<SSLContext> source;
    private volatile SSLContext delegate;

    Spi(Supplier<SSLContext> source) {
      this.source = source;
    }

    private SSLContext delegate() {
      SSLContext d = delegate;
      if (d == null) {
        synchronized (this) {
          d = delegate;
          if (d == null) {
            d = source.get();
            delegate = d;
          }
        }
      }
      return d;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
        throws KeyManagementException {
      // Like the default context itself: it is initialised by the JDK, never by its users.
      throw new KeyManagementException("the default TLS context is initialised by the JDK");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return delegate().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return delegate().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return delegate().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return delegate().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return delegate().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return delegate().getSupportedSSLParameters();
    }
  }
}
