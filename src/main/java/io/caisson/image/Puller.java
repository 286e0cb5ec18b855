package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.common.OutOfSpace;
import io.caisson.image.Manifests.Descriptor;
import io.caisson.image.RegistrySession.FetchedManifest;
import io.caisson.image.ocicrypt.DecryptionKeys;
import io.caisson.image.ocicrypt.EncryptedLayer;
import io.caisson.image.ocicrypt.LayerDecryptionException;
import io.caisson.image.ocicrypt.LayerKey;
import io.caisson.linux.SyscallException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network half of a pull: resolves a reference through the endpoints registries.conf gives,
 * fetches and verifies manifests and config, and downloads + unpacks missing layers in parallel
 * (bounded by a node-wide semaphore). A layer wanted by several pulls at once is fetched once.
 */
final class Puller {
  private static final Logger log = LoggerFactory.getLogger(Puller.class);
  private static final int MAX_CONFIG = 16 << 20;

  /** Everything a pull learned before fetching layers. */
  record Resolved(
      RegistrySession session,
      Digest topDigest,
      List<FetchedManifest> manifests,
      Manifests.Manifest manifest,
      Digest configDigest,
      byte[] configBytes,
      ImageConfig.Parsed config) {}

  private final RegistriesConfFile registries;
  private final AuthFile authFile;
  private final RegistryClients clients;
  private final StallWatchdog watchdog;
  private final Platform platform;
  private final LayerStore layers;
  private final Semaphore downloadSlots;
  private final ConcurrentHashMap<Digest, CompletableFuture<Void>> layersInFlight =
      new ConcurrentHashMap<>();

  Puller(
      RegistriesConfFile registries,
      AuthFile authFile,
      RegistryClients clients,
      StallWatchdog watchdog,
      Platform platform,
      LayerStore layers,
      int maxParallelDownloads) {
    this.registries = registries;
    this.authFile = authFile;
    this.clients = clients;
    this.watchdog = watchdog;
    this.platform = platform;
    this.layers = layers;
    this.downloadSlots = new Semaphore(maxParallelDownloads, true);
  }

  /**
   * Finds the image manifest and config at the first endpoint that has them and whose manifest
   * passes {@code trust}.
   */
  Resolved resolve(
      ImageReference ref,
      Credentials requestCredentials,
      SignaturePolicyFile.Gate trust,
      LongAdder progress) {
    RegistriesConf rules = registries.current();
    List<RegistryEndpoint> endpoints = rules.resolve(ref);
    List<String> failures = new ArrayList<>();
    CaissonException last = null;
    for (RegistryEndpoint configured : endpoints) {
      RegistryEndpoint ep = clients.secured(configured);
      // Request credentials go only to the upstream (or its rewrite), never to a mirror.
      Credentials creds =
          !ep.mirror() && !requestCredentials.isEmpty()
              ? requestCredentials
              : authFile.lookup(ep.host(), ep.repository(), rules.credentialHelpers());
      RegistrySession session =
          new RegistrySession(clients::forEndpoint, ep, creds, watchdog, progress);
      try {
        return resolveAt(session, ref, trust);
      } catch (CaissonException e) {
        // Whatever an endpoint answered, even what is no manifest (a proxy's HTML page, broken
        // JSON, schema 1), is that endpoint's failure: the next may have the image. The
        // reference itself was checked before any endpoint was asked.
        log.info("pull {}: {} failed: {}", ref, ep, e.getMessage());
        failures.add(ep + ": " + e.getMessage());
        last = e;
      }
    }
    if (failures.size() == 1) {
      throw last;
    }
    throw new CaissonException(
        last.kind(), "cannot pull " + ref + "; tried " + String.join("; ", failures), last);
  }

  private Resolved resolveAt(
      RegistrySession s, ImageReference ref, SignaturePolicyFile.Gate trust) {
    List<FetchedManifest> chain = new ArrayList<>();
    FetchedManifest top = s.manifest(ref.manifestReference(), ref.digest());
    // Signatures vouch for the manifest the name resolves to (an index, for a multi-platform
    // image), and are checked before anything it points to is fetched.
    trust.verify(s, top.digest());
    chain.add(top);
    Manifests.Parsed parsed = Manifests.parse(top.body(), top.mediaType());
    boolean unlabelled = false;
    if (parsed instanceof Manifests.Index index) {
      Descriptor chosen = Manifests.select(index, platform);
      unlabelled = chosen.platform() == null;
      log.info("pull {}: index {} -> {} for {}", ref, top.digest(), chosen.digest(), platform);
      FetchedManifest m = s.manifest(chosen.digest().toString(), chosen.digest());
      chain.add(m);
      parsed = Manifests.parse(m.body(), m.mediaType());
      if (!(parsed instanceof Manifests.Manifest)) {
        throw CaissonException.invalid("image index %s points to another index", top.digest());
      }
    }
    Manifests.Manifest manifest = (Manifests.Manifest) parsed;
    Descriptor configDesc = manifest.config();
    if (configDesc.size() > MAX_CONFIG) {
      throw CaissonException.invalid("image config of %s is larger than 16 MiB", ref);
    }
    byte[] config;
    try (VerifyingInputStream in =
        new VerifyingInputStream(
            s.blob(configDesc.digest()), configDesc.digest(), configDesc.size())) {
      config = in.readAllBytes();
    } catch (IOException e) {
      throw failure("config " + configDesc.digest(), e);
    }
    ImageConfig.Parsed cfg = ImageConfig.parse(config);
    if (unlabelled) {
      checkPlatform(ref, cfg.config());
    }
    if (cfg.diffIds().size() != manifest.layers().size()) {
      throw CaissonException.invalid(
          "image %s: manifest has %d layers but its config lists %d diff ids",
          ref, manifest.layers().size(), cfg.diffIds().size());
    }
    return new Resolved(s, top.digest(), chain, manifest, configDesc.digest(), config, cfg);
  }

  /**
   * An index entry without a platform was chosen for want of one naming this node's: its config
   * must not name another (an arm64 image would fail only at exec).
   */
  private void checkPlatform(ImageReference ref, ImageConfig config) {
    String os = config.os();
    String arch = config.architecture();
    if ((!os.isEmpty() && !os.equals(platform.os()))
        || (!arch.isEmpty() && !arch.equals(platform.architecture()))) {
      throw CaissonException.notFound(
          "no manifest for platform %s in the image index of %s: its entry without a platform"
              + " is for %s/%s",
          platform, ref, os, arch);
    }
  }

  /**
   * Makes sure every layer of the image is unpacked; waits for all started work to end (so a
   * failure leaves no download running) and then throws the first failure.
   */
  void fetchLayers(ImageReference ref, Resolved r, LongAdder progress, DecryptionKeys keys) {
    List<Descriptor> descs = r.manifest().layers();
    // Every encrypted layer's key first: a node that cannot open one downloads nothing.
    List<Integer> missing = new ArrayList<>();
    Map<Integer, Decryption> decryptions = new HashMap<>();
    for (int i = 0; i < descs.size(); i++) {
      if (!layers.has(r.config().diffIds().get(i))) {
        missing.add(i);
        Decryption d = decryption(ref, descs.get(i), keys);
        if (d != null) {
          decryptions.put(i, d);
        }
      }
    }
    List<CompletableFuture<Void>> work = new ArrayList<>();
    long toFetch = 0;
    AtomicInteger done = new AtomicInteger();
    for (int i : missing) {
      toFetch += descs.get(i).size();
      work.add(
          ensureLayer(
              r.session(), descs.get(i), r.config().diffIds().get(i), decryptions.get(i), done));
    }
    if (work.isEmpty()) {
      log.info("pull {}: all {} layers already present", ref, descs.size());
      return;
    }
    log.info(
        "pull {}: fetching {} of {} layers ({} MB) from {}",
        ref,
        work.size(),
        descs.size(),
        mb(toFetch),
        r.session().endpoint());
    long total = toFetch;
    int count = work.size();
    Thread reporter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    while (true) {
                      Thread.sleep(5000);
                      log.info(
                          "pull {}: {} of {} MB received, {}/{} layers unpacked",
                          ref,
                          mb(progress.sum()),
                          mb(total),
                          done.get(),
                          count);
                    }
                  } catch (InterruptedException e) {
                    // pull finished
                  }
                });
    RuntimeException first = null;
    try {
      for (CompletableFuture<Void> f : work) {
        try {
          f.join();
        } catch (CompletionException e) {
          if (first == null) {
            first =
                e.getCause() instanceof RuntimeException re
                    ? re
                    : CaissonException.internal("layer fetch failed", e.getCause());
          }
        }
      }
    } finally {
      reporter.interrupt();
    }
    if (first != null) {
      throw first;
    }
  }

  /** How an encrypted layer is opened: its key, and the media type of what it decrypts to. */
  private record Decryption(LayerKey key, String plainMediaType) {}

  /** Null for a layer that is not encrypted; FAILED_PRECONDITION when no key of the node fits. */
  private static Decryption decryption(ImageReference ref, Descriptor desc, DecryptionKeys keys) {
    var encrypted = EncryptedLayer.of(desc.digest(), desc.mediaType(), desc.annotations());
    if (encrypted.isEmpty()) {
      return null;
    }
    try {
      LayerKey key = encrypted.get().unwrap(keys);
      log.info("pull {}: layer {} is encrypted; its key is unwrapped", ref, desc.digest());
      return new Decryption(key, encrypted.get().plainMediaType());
    } catch (LayerDecryptionException e) {
      throw CaissonException.precondition("cannot pull %s: %s", ref, e.getMessage());
    }
  }

  /** Completes once the layer is in the store, or with why this pull could not put it there. */
  private CompletableFuture<Void> ensureLayer(
      RegistrySession s,
      Descriptor desc,
      Digest diffId,
      Decryption decryption,
      AtomicInteger done) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("layer-" + diffId.hex().substring(0, 12))
        .start(
            () -> {
              try {
                obtainLayer(s, desc, diffId, decryption);
                done.incrementAndGet();
                result.complete(null);
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    return result;
  }

  /**
   * Puts the layer in the store: waits for another pull already fetching it, else fetches it
   * through this pull's session. Another pull's failure is not this one's (its endpoint, its
   * credentials, its blob of the layer may be the bad ones), so then this pull tries again: by
   * itself, unless yet another pull has started on the layer meanwhile.
   */
  private void obtainLayer(
      RegistrySession s, Descriptor desc, Digest diffId, Decryption decryption) {
    while (true) {
      CompletableFuture<Void> mine = new CompletableFuture<>();
      CompletableFuture<Void> other = layersInFlight.putIfAbsent(diffId, mine);
      if (other == null) {
        try {
          if (!layers.has(diffId)) {
            fetchLayer(s, desc, diffId, decryption);
          }
          mine.complete(null);
          return;
        } catch (RuntimeException | Error e) {
          mine.completeExceptionally(e);
          throw e;
        } finally {
          layersInFlight.remove(diffId, mine);
        }
      }
      try {
        other.join();
        return;
      } catch (CompletionException e) {
        log.info(
            "layer {}: the pull this one waited for failed ({}); fetching it from {}",
            diffId,
            e.getCause() == null ? e : e.getCause().getMessage(),
            s.endpoint());
      }
    }
  }

  private void fetchLayer(
      RegistrySession s, Descriptor desc, Digest diffId, Decryption decryption) {
    try {
      downloadSlots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaissonException(Kind.UNAVAILABLE, "pull interrupted");
    }
    Path staging = null;
    try {
      staging = layers.stage(diffId);
      long start = System.nanoTime();
      try (InputStream net = s.blob(desc.digest())) {
        VerifyingInputStream blob = new VerifyingInputStream(net, desc.digest(), desc.size());
        InputStream layer = decryption == null ? blob : decryption.key().decrypting(blob);
        String mediaType = decryption == null ? desc.mediaType() : decryption.plainMediaType();
        var hasher = diffId.newHasher();
        try (DigestInputStream tar =
            new DigestInputStream(LayerUnpacker.decompress(layer, mediaType), hasher)) {
          try {
            LayerUnpacker.unpack(tar, staging.resolve("diff"));
            tar.transferTo(OutputStream.nullOutputStream());
          } catch (IOException | RuntimeException e) {
            // Corrupt bytes usually break decompression first: report the digest mismatch (or,
            // for an encrypted layer, the HMAC's).
            if (!(e instanceof StallWatchdog.StallException)) {
              layer.transferTo(OutputStream.nullOutputStream());
              if (e.getClass() == IOException.class || e instanceof EOFException) {
                // The blob arrived whole and matched its digest, so no read of the network
                // failed: the archive itself is bad (a truncated tar, a broken header).
                throw new MalformedLayerException(e.getMessage(), e);
              }
            }
            throw e;
          }
          // To the end through the decryption too, whose checks run there.
          layer.transferTo(OutputStream.nullOutputStream());
          blob.drainAndVerify();
        }
        if (!HexFormat.of().formatHex(hasher.digest()).equals(diffId.hex())) {
          throw new VerifyingInputStream.DigestMismatchException(
              "uncompressed layer " + desc.digest() + " does not match its diff id " + diffId);
        }
      }
      layers.commit(staging, diffId);
      staging = null;
      log.info(
          "layer {} ({} MB) unpacked in {} ms",
          desc.digest(),
          mb(desc.size()),
          (System.nanoTime() - start) / 1_000_000);
    } catch (IOException e) {
      throw failure("layer " + desc.digest(), e);
    } finally {
      if (staging != null) {
        layers.discard(staging);
      }
      downloadSlots.release();
    }
  }

  /** A layer whose bytes match its digest but do not make a tar archive. */
  static final class MalformedLayerException extends IOException {
    MalformedLayerException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static CaissonException failure(String what, IOException e) {
    if (OutOfSpace.causedBy(e)) {
      // The unpacker's writes and the network's reads share one copy loop: name the disk.
      return new CaissonException(
          Kind.RESOURCE_EXHAUSTED, what + ": cannot store it: no space left on device", e);
    }
    return switch (e) {
      case VerifyingInputStream.DigestMismatchException m ->
          CaissonException.precondition("%s: %s", what, m.getMessage());
      case LayerDecryptionException d ->
          CaissonException.precondition("%s: %s", what, d.getMessage());
      case MalformedLayerException m ->
          CaissonException.precondition(
              "%s is not a valid layer archive: %s", what, m.getMessage());
      case LayerUnpacker.UnsafeEntryException u ->
          CaissonException.invalid("%s is unsafe: %s", what, u.getMessage());
      case ZipException z ->
          CaissonException.precondition("%s cannot be decompressed: %s", what, z.getMessage());
      case SyscallException sc ->
          CaissonException.internal(what + ": cannot unpack: " + sc.getMessage(), sc);
      case FileSystemException fs ->
          CaissonException.internal(what + ": cannot unpack: " + fs.getMessage(), fs);
      default -> RegistrySession.transferFailure(what, e);
    };
  }

  private static String mb(long bytes) {
    return String.format("%.1f", bytes / 1e6);
  }
}
