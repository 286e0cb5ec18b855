package io.caisson.image;

import io.caisson.common.CaissonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What registry connections trust and present. The roots are the node's CA bundle, the one {@code
 * update-ca-certificates} maintains and Go-based runtimes read, so a CA an operator adds to the
 * node is trusted here too (the JDK's own store is used only where no bundle is found). A registry
 * may have a directory of its own, {@code CERTS_DIR/HOST[:PORT]}, in the layout docker and the
 * containers tools share: each {@code *.crt} is one more CA to trust for it, each {@code *.cert}
 * with the {@code *.key} of the same name a client certificate to present.
 */
final class RegistryTls {
  /** Debian and Ubuntu, Fedora and RHEL, SUSE: the first one present is the node's bundle. */
  static final List<Path> SYSTEM_BUNDLES =
      List.of(
          Path.of("/etc/ssl/certs/ca-certificates.crt"),
          Path.of("/etc/pki/tls/certs/ca-bundle.crt"),
          Path.of("/etc/ssl/ca-bundle.pem"));

  private static final char[] STORE_PASSWORD = "caisson".toCharArray();

  private final Path certsDir;
  private final List<Path> systemBundles;
  private List<X509Certificate> systemRoots; // guarded by this; loaded by the first TLS use
  private SSLContext defaultContext; // guarded by this

  /**
   * @param certsDir the per-registry directories, or null for none
   */
  RegistryTls(Path certsDir) {
    this(certsDir, SYSTEM_BUNDLES);
  }

  RegistryTls(Path certsDir, List<Path> systemBundles) {
    this.certsDir = certsDir;
    this.systemBundles = systemBundles;
  }

  /** The registry's own directory ({@code host} or {@code host:port}), or null when it has none. */
  Path hostDir(String hostPort) {
    if (certsDir == null || hostPort.isEmpty() || hostPort.contains("/")) {
      return null;
    }
    Path dir = certsDir.resolve(hostPort);
    return Files.isDirectory(dir) ? dir : null;
  }

  /** Names, sizes and times of what the directory holds: a changed file makes a new context. */
  static String fingerprint(Path hostDir) {
    try (Stream<Path> files = Files.list(hostDir)) {
      StringBuilder out = new StringBuilder();
      for (Path f : files.sorted().toList()) {
        out.append(f.getFileName())
            .append(' ')
            .append(Files.size(f))
            .append(' ')
            .append(Files.getLastModifiedTime(f).toMillis())
            .append('\n');
      }
      return out.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /** The context for registries without a directory: the node's roots, no client certificate. */
  synchronized SSLContext defaultContext() {
    if (defaultContext == null) {
      List<X509Certificate> roots = systemRoots();
      try {
        defaultContext = roots.isEmpty() ? SSLContext.getDefault() : context(roots, List.of());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("no TLS context for registries: " + e.getMessage(), e);
      }
    }
    return defaultContext;
  }

  /** The context for a registry with a directory: its CAs beside the node's, its client keys. */
  SSLContext contextFor(Path hostDir) {
    List<X509Certificate> roots = new ArrayList<>(systemRoots());
    List<ClientKey> clientKeys = new ArrayList<>();
    try (Stream<Path> files = Files.list(hostDir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".crt")) {
          roots.addAll(PemFiles.certificates(f));
        } else if (name.endsWith(".cert")) {
          Path key = f.resolveSibling(name.substring(0, name.length() - 5) + ".key");
          if (!Files.exists(key)) {
            throw new IOException("client certificate " + f + " has no " + key.getFileName());
          }
          clientKeys.add(new ClientKey(PemFiles.privateKey(key), PemFiles.certificates(f)));
        } else if (name.endsWith(".key")) {
          Path cert = f.resolveSibling(name.substring(0, name.length() - 4) + ".cert");
          if (!Files.exists(cert)) {
            throw new IOException("client key " + f + " has no " + cert.getFileName());
          }
        }
      }
      if (systemRoots().isEmpty()) {
        roots.addAll(jdkRoots());
      }
      return context(roots, clientKeys);
    } catch (IOException | GeneralSecurityException e) {
      throw CaissonException.precondition(
          "the TLS directory %s of this registry cannot be used: %s", hostDir, e.getMessage());
    }
  }

  private record ClientKey(PrivateKey key, List<X509Certificate> chain) {}

  private synchronized List<X509Certificate> systemRoots() {
    if (systemRoots == null) {
      systemRoots = List.of();
      for (Path bundle : systemBundles) {
        if (Files.isReadable(bundle)) {
          try {
            systemRoots = PemFiles.certificates(bundle);
          } catch (IOException e) {
            throw CaissonException.precondition(
                "the node's CA bundle %s cannot be read: %s", bundle, e.getMessage());
          }
          break;
        }
      }
    }
    return systemRoots;
  }

  /** The JDK's own roots, for a node without a bundle of its own. */
  private static List<X509Certificate> jdkRoots() throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    List<X509Certificate> out = new ArrayList<>();
    for (var tm : tmf.getTrustManagers()) {
      if (tm instanceof javax.net.ssl.X509TrustManager x509) {
        out.addAll(List.of(x509.getAcceptedIssuers()));
      }
    }
    return out;
  }

  private static SSLContext context(List<X509Certificate> roots, List<ClientKey> clientKeys)
      throws GeneralSecurityException {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        trust.setCertificateEntry("ca" + i, roots.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManager[] keyManagers = null;
      if (!clientKeys.isEmpty()) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        for (int i = 0; i < clientKeys.size(); i++) {
          ClientKey k = clientKeys.get(i);
          keys.setKeyEntry(
              "client" + i, k.key(), STORE_PASSWORD, k.chain().toArray(new X509Certificate[0]));
        }
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, STORE_PASSWORD);
        keyManagers = kmf.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot build a key store: " + e.getMessage(), e);
    }
  }
}
