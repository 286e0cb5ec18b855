package io.caisson.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads a feature's implementation together with libraries kept off the daemon's class path, in
 * {@code lib/optional} beside the daemon's jar (or its classes). The JVM opens every jar of the
 * class path at each start and keeps its directory in memory, about 1 MiB for BouncyCastle, which
 * only the nodes that use the feature should pay for. The implementation's package is defined by a
 * loader of its own that sees those libraries; everything else comes from the daemon's loader, so
 * the two meet through a public interface of the daemon's.
 */
public final class IsolatedLibrary extends URLClassLoader {
  private final String ownPackage;

  private IsolatedLibrary(URL[] jars, ClassLoader parent, String ownPackage) {
    super("isolated:" + ownPackage, jars, parent);
    this.ownPackage = ownPackage;
  }

  /**
   * A new instance of {@code implementation} (public, with a public no-argument constructor), whose
   * package sees the optional jars whose names start with {@code jarPrefix}; IllegalStateException
   * says why it cannot be made.
   */
  public static <T> T load(Class<T> api, String implementation, String jarPrefix) {
    Path dir = optionalDir(api);
    List<URL> jars = new ArrayList<>();
    if (dir != null && Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path jar : files.sorted().toList()) {
          String name = jar.getFileName().toString();
          if (name.startsWith(jarPrefix) && name.endsWith(".jar")) {
            jars.add(jar.toUri().toURL());
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
      }
    }
    String ownPackage = implementation.substring(0, implementation.lastIndexOf('.') + 1);
    IsolatedLibrary loader =
        new IsolatedLibrary(jars.toArray(URL[]::new), api.getClassLoader(), ownPackage);
    try {
      Class<?> loaded = Class.forName(implementation, true, loader);
      return api.cast(loaded.getDeclaredConstructor().newInstance());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException(
          implementation
              + " cannot be loaded (are the "
              + jarPrefix
              + "* libraries in "
              + dir
              + "?): "
              + e,
          e);
    }
  }

  /** {@code lib/optional} beside the jar or the classes directory the daemon runs from. */
  private static Path optionalDir(Class<?> api) {
    try {
      Path source = Path.of(api.getProtectionDomain().getCodeSource().getLocation().toURI());
      return source.getParent().resolve("lib").resolve("optional");
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (!name.startsWith(ownPackage)) {
      return super.loadClass(name, resolve);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> defined = findLoadedClass(name);
      if (defined == null) {
        // Defined here from the daemon's own class file, so that its references to the optional
        // libraries resolve through this loader.
        try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
          if (in == null) {
            throw new ClassNotFoundException(name);
          }
          byte[] bytes = in.readAllBytes();
          defined = defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
          throw new ClassNotFoundException(name, e);
        }
      }
      if (resolve) {
        resolveClass(defined);
      }
      return defined;
    }
  }

  static {
    registerAsParallelCapable();
  }
}
