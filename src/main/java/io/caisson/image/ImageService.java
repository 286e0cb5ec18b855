package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.image.ocicrypt.DecryptionKeys;
import io.caisson.json.Json;
import io.caisson.json.JsonRecords;
import io.caisson.stats.DirUsage;
import io.caisson.storage.DiskUsage;
import io.caisson.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's image store and puller: what the CRI ImageService RPCs and container creation call.
 *
 * <p>Layout under the root: {@code blobs/sha256/<hex>} (manifests, indexes, configs), {@code
 * layers/<diff id hex>/diff} (unpacked layers, shared between images), {@code l/<16 hex>} (short
 * links to them for overlayfs), {@code images/<id hex>.json} (one record per image, written
 * atomically). Compressed layer blobs are not kept: layers are unpacked as they stream in.
 *
 * <p>Metadata changes and garbage collection happen under one lock; pulls hold "leases" on the
 * layers and blobs they are about to use so a concurrent removal cannot collect them.
 */
public final class ImageService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageService.class);
  private static final Pattern FULL_ID = Pattern.compile("(?:sha256:)?([a-f0-9]{64})");
  private static final Pattern ID_PREFIX = Pattern.compile("(?:sha256:)?([a-f0-9]{3,63})");

  private final Path root;
  private final Path recordsDir;
  private final BlobStore blobs;
  private final LayerStore layers;
  private final Puller puller;
  private final RegistriesConfFile registries;
  private final StallWatchdog watchdog;
  private final RegistryClients clients;
  private final String pauseTag;
  private final String pauseDigest;

  private final ReentrantLock lock = new ReentrantLock();

  /**
   * Layer trees taken out of the store under the lock, deleted after it is released: deleting
   * thousands of files must not block every CreateContainer and ImageStatus meanwhile.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<Path> retired =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final Map<String, ImageRecord> images = new HashMap<>();
  private final Map<String, Set<String>> holders = new HashMap<>();
  private final Map<Digest, Integer> leasedLayers = new HashMap<>();
  private final Map<Digest, Integer> leasedBlobs = new HashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<ImageRecord>> pullsInFlight =
      new ConcurrentHashMap<>();

  /**
   * @param root directory of the store (created if missing)
   * @param registriesConf containers registries.conf v2, read again when it changes; null or
   *     missing means no rules
   * @param authFile containers-auth.json style node credentials, or null
   * @param pauseImage the sandbox image, reported as pinned
   * @param stallTimeout a pull whose bytes stop for this long is cancelled
   * @param maxParallelDownloads layer downloads at once, node-wide
   */
  public ImageService(
      Path root,
      Path registriesConf,
      Path authFile,
      String pauseImage,
      Duration stallTimeout,
      int maxParallelDownloads) {
    this(
        root,
        registriesConf,
        authFile,
        pauseImage,
        stallTimeout,
        maxParallelDownloads,
        Platform.host());
  }

  public ImageService(
      Path root,
      Path registriesConf,
      Path authFile,
      String pauseImage,
      Duration stallTimeout,
      int maxParallelDownloads,
      Platform platform) {
    this(
        root,
        registriesConf,
        authFile,
        null,
        Map.of(),
        pauseImage,
        stallTimeout,
        maxParallelDownloads,
        platform);
  }

  /**
   * @param certsDir per-registry TLS directories ({@code HOST[:PORT]/*.crt, *.cert, *.key}), or
   *     null for none
   * @param environment where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (the daemon's own)
   */
  public ImageService(
      Path root,
      Path registriesConf,
      Path authFile,
      Path certsDir,
      Map<String, String> environment,
      String pauseImage,
      Duration stallTimeout,
      int maxParallelDownloads,
      Platform platform) {
    if (maxParallelDownloads < 1) {
      throw CaissonException.invalid("maxParallelDownloads must be at least 1");
    }
    try {
      this.root = Files.createDirectories(root).toRealPath();
      this.recordsDir = Files.createDirectories(this.root.resolve("images"));
      this.blobs = new BlobStore(this.root);
      this.layers = new LayerStore(this.root);
    } catch (IOException e) {
      throw CaissonException.internal("cannot create image store at " + root, e);
    }
    ImageReference pause = pauseImage == null ? null : ImageReference.parse(pauseImage);
    this.pauseTag = pause == null ? null : pause.withDefaultTag().taggedName();
    this.pauseDigest =
        pause == null || pause.digest() == null ? null : pause.digestedName(pause.digest());
    this.watchdog = new StallWatchdog(stallTimeout);
    this.clients =
        new RegistryClients(
            stallTimeout, new RegistryTls(certsDir), new ProxyFromEnvironment(environment));
    this.registries = new RegistriesConfFile(registriesConf);
    this.puller =
        new Puller(
            registries,
            new AuthFile(authFile, CredentialHelper.directories(environment.get("PATH"))),
            clients,
            watchdog,
            platform,
            layers,
            maxParallelDownloads);
    recover();
  }

  /** Loads the records and removes what a crash may have left half-done. */
  private void recover() {
    lock.lock();
    try (var files = Files.newDirectoryStream(recordsDir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          Files.deleteIfExists(f); // temp file of an interrupted write
          continue;
        }
        ImageRecord r = JsonRecords.STANDARD.fromTree(Json.parse(f), ImageRecord.class);
        images.put(r.id(), r);
      }
      layers.cleanStaging();
      collectGarbage();
      log.info("image store {}: {} images", root, images.size());
    } catch (IOException e) {
      throw CaissonException.internal("cannot load image store " + root, e);
    } finally {
      lock.unlock();
      deleteRetired();
    }
  }

  // ---------------------------------------------------------------- pull

  /**
   * Told of each pull that went to a registry (a failed one too, however early it failed): bytes
   * downloaded, how long it took, whether it succeeded.
   */
  public interface PullListener {
    void pulled(long bytes, long nanos, boolean succeeded);
  }

  private volatile PullListener pullListener = (bytes, nanos, succeeded) -> {};
  private volatile SignaturePolicyFile signaturePolicy = new SignaturePolicyFile(null);
  private volatile Lookaside lookaside =
      new Lookaside(null, Lookaside.BUILTIN_DEFAULT, this::lookasideClient);
  private volatile PinnedImages pinnedImages = PinnedImages.NONE;
  private volatile Path decryptionKeysDir;

  /** The operator's pinned images, besides the pause image (none until set). */
  public void setPinnedImages(PinnedImages pinned) {
    this.pinnedImages = pinned;
  }

  /**
   * The registries.d directory naming where images' GPG signatures are (none until set), for a
   * trust policy with {@code signedBy} requirements.
   */
  public void setRegistriesDir(Path dir) {
    this.lookaside = new Lookaside(dir, Lookaside.BUILTIN_DEFAULT, this::lookasideClient);
  }

  /** A signature server gets the client a registry at its address would: same CAs and proxies. */
  private java.net.http.HttpClient lookasideClient(java.net.URI url) {
    java.net.URI origin = java.net.URI.create(url.getScheme() + "://" + url.getRawAuthority());
    return clients.forEndpoint(new RegistryEndpoint(origin, url.getHost(), "", false, false));
  }

  /**
   * Where the node's keys for encrypted layers are (none until set: an encrypted layer is refused).
   * Read again by each pull that meets one.
   */
  public void setDecryptionKeysDir(Path dir) {
    this.decryptionKeysDir = dir;
  }

  /** The trust policy every pull must pass (none until set: every image is accepted). */
  public void setSignaturePolicy(SignaturePolicyFile policy) {
    this.signaturePolicy = policy;
  }

  public void setPullListener(PullListener listener) {
    this.pullListener = listener;
  }

  /**
   * Pulls an image (a no-op for layers already present) and returns its record. Identical
   * concurrent pulls (same reference and credentials) share one execution.
   */
  public ImageRecord pull(String reference, Credentials credentials) {
    List<ImageReference> candidates = registries.current().candidates(reference);
    if (candidates.size() == 1) {
      return pull(candidates.getFirst().withDefaultTag(), credentials);
    }
    // A short name with search registries: each in turn, as CRI-O tries them.
    List<String> failures = new ArrayList<>();
    CaissonException.Kind kind = CaissonException.Kind.NOT_FOUND;
    for (ImageReference candidate : candidates) {
      ImageReference ref = candidate.withDefaultTag();
      try {
        ImageRecord pulled = pull(ref, credentials);
        log.info("pull {}: the short name resolved to {}", reference, ref);
        return pulled;
      } catch (CaissonException e) {
        failures.add(ref + ": " + e.getMessage());
        kind = kind == CaissonException.Kind.NOT_FOUND ? e.kind() : kind;
      }
    }
    throw new CaissonException(
        kind,
        "pull of short name %s failed in every unqualified-search registry: %s"
            .formatted(reference, String.join("; ", failures)));
  }

  private ImageRecord pull(ImageReference ref, Credentials credentials) {
    // The name as kubelet gave it, not the mirror it may come from: the policy's scopes are
    // written for the names operators use.
    SignaturePolicyFile.Gate trust = signaturePolicy.check(ref, lookaside);
    Credentials creds = credentials == null ? Credentials.NONE : credentials;
    if (!creds.issuedFor(ref.registry())) {
      // kubelet picked them for another registry; sending them here would leak them.
      log.warn(
          "pull {}: the request's credentials are for {}, not {}: not sent",
          ref,
          creds.serverAddress(),
          ref.registry());
      creds = Credentials.NONE;
    }
    String key = ref + "|" + creds.fingerprint();
    CompletableFuture<ImageRecord> mine = new CompletableFuture<>();
    CompletableFuture<ImageRecord> existing = pullsInFlight.putIfAbsent(key, mine);
    if (existing != null) {
      log.info("pull {}: joining a pull already in progress", ref);
      try {
        return existing.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException re ? re : e;
      }
    }
    try {
      ImageRecord r = doPull(ref, creds, trust);
      mine.complete(r);
      return r;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      pullsInFlight.remove(key, mine);
    }
  }

  /**
   * Tells the pull listener of every pull, also one that fails before a layer is fetched: a missing
   * manifest, refused credentials, an unreachable registry or the trust policy's refusal.
   */
  private ImageRecord doPull(
      ImageReference ref, Credentials creds, SignaturePolicyFile.Gate trust) {
    long start = System.nanoTime();
    LongAdder progress = new LongAdder();
    boolean ok = false;
    try {
      ImageRecord record = resolveAndFetch(ref, creds, trust, progress, start);
      ok = true;
      return record;
    } finally {
      pullListener.pulled(progress.sum(), System.nanoTime() - start, ok);
    }
  }

  private ImageRecord resolveAndFetch(
      ImageReference ref,
      Credentials creds,
      SignaturePolicyFile.Gate trust,
      LongAdder progress,
      long start) {
    Puller.Resolved r = puller.resolve(ref, creds, trust, progress);
    List<Digest> blobDigests = new ArrayList<>();
    r.manifests().forEach(m -> blobDigests.add(m.digest()));
    blobDigests.add(r.configDigest());
    lease(r.config().diffIds(), blobDigests, +1);
    boolean ok = false;
    try {
      puller.fetchLayers(ref, r, progress, DecryptionKeys.in(decryptionKeysDir));
      for (var m : r.manifests()) {
        blobs.put(m.digest(), m.body());
      }
      blobs.put(r.configDigest(), r.configBytes());
      ImageRecord record = commit(ref, r);
      ok = true;
      log.info(
          "pulled {} as {} in {} ms", ref, record.id(), (System.nanoTime() - start) / 1_000_000);
      return decorate(record);
    } catch (IOException e) {
      throw CaissonException.internal("cannot store image " + ref, e);
    } finally {
      lock.lock();
      try {
        lease(r.config().diffIds(), blobDigests, -1);
        if (!ok) {
          collectGarbage(); // the failed pull's layers and blobs, unless someone else uses them
        }
      } catch (IOException e) {
        log.warn("garbage collection after failed pull of {}: {}", ref, e.getMessage());
      } finally {
        lock.unlock();
        deleteRetired();
      }
    }
  }

  private void lease(List<Digest> layerIds, List<Digest> blobIds, int delta) {
    lock.lock();
    try {
      layerIds.forEach(d -> leasedLayers.merge(d, delta, (a, b) -> a + b == 0 ? null : a + b));
      blobIds.forEach(d -> leasedBlobs.merge(d, delta, (a, b) -> a + b == 0 ? null : a + b));
    } finally {
      lock.unlock();
    }
  }

  private ImageRecord commit(ImageReference ref, Puller.Resolved r) throws IOException {
    String id = r.configDigest().toString();
    // name:tag@digest pulls by the digest, which the tag may no longer name: the tag stays with
    // the image pulled by it, as containerd and CRI-O keep it.
    String tag = ref.digest() == null ? ref.taggedName() : null;
    String repoDigest = ref.digestedName(r.topDigest());
    long size = r.configBytes().length;
    for (var l : r.manifest().layers()) {
      size += l.size();
    }
    String user = r.config().config().user();
    String userPart = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    Long uid = null;
    String username = "";
    if (userPart.matches("[0-9]+")) {
      uid = Long.parseLong(userPart);
    } else {
      username = userPart;
    }
    lock.lock();
    try {
      ImageRecord existing = images.get(id);
      Set<String> tags = new LinkedHashSet<>(existing == null ? List.of() : existing.repoTags());
      Set<String> digests =
          new LinkedHashSet<>(existing == null ? List.of() : existing.repoDigests());
      Set<String> manifests =
          new LinkedHashSet<>(existing == null ? List.of() : existing.manifests());
      if (tag != null) {
        tags.add(tag);
        // A tag names one image: take it away from whichever image had it.
        for (ImageRecord other : List.copyOf(images.values())) {
          if (!other.id().equals(id) && other.repoTags().contains(tag)) {
            List<String> rest = new ArrayList<>(other.repoTags());
            rest.remove(tag);
            save(other.withNames(rest, other.repoDigests()));
          }
        }
      }
      digests.add(repoDigest);
      r.manifests().forEach(m -> manifests.add(m.digest().toString()));
      List<String> layerIds = r.config().diffIds().stream().map(Digest::toString).toList();
      ImageRecord record =
          new ImageRecord(
              id,
              List.copyOf(tags),
              List.copyOf(digests),
              size,
              uid,
              username,
              false,
              r.config().config(),
              layerIds,
              List.copyOf(manifests));
      save(record);
      return record;
    } finally {
      lock.unlock();
    }
  }

  private void save(ImageRecord r) throws IOException {
    AtomicFiles.write(recordsDir.resolve(r.hex() + ".json"), JsonRecords.STANDARD.bytes(r));
    images.put(r.id(), r);
  }

  // ---------------------------------------------------------------- queries

  /** All images, or those the filter reference names (id, id prefix, tag or digest). */
  public List<ImageRecord> list(Optional<String> filterRef) {
    lock.lock();
    try {
      List<ImageRecord> out = new ArrayList<>();
      if (filterRef.isPresent() && !filterRef.get().isBlank()) {
        find(filterRef.get()).ifPresent(m -> out.add(decorate(m.record())));
      } else {
        images.values().forEach(r -> out.add(decorate(r)));
      }
      out.sort(Comparator.comparing(ImageRecord::id));
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The image a reference names, or empty (never an error for an absent image). */
  public Optional<ImageRecord> status(String ref) {
    lock.lock();
    try {
      return find(ref).map(m -> decorate(m.record()));
    } finally {
      lock.unlock();
    }
  }

  /** The image's raw config JSON, for verbose ImageStatus. */
  public Optional<String> configJson(String ref) {
    Optional<ImageRecord> r = status(ref);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new String(
              blobs.get(Digest.parse(r.get().id())), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CaissonException.internal("cannot read config of " + r.get().id(), e);
    }
  }

  private ImageRecord decorate(ImageRecord r) {
    boolean pinned =
        (pauseTag != null && r.repoTags().contains(pauseTag))
            || (pauseDigest != null && r.repoDigests().contains(pauseDigest))
            || pinnedImages.pins(r);
    return r.withPinned(pinned);
  }

  private enum By {
    ID,
    TAG,
    DIGEST
  }

  private record Match(ImageRecord record, By by, String name) {}

  /** Resolves a reference: full id, then tag or digest, then a unique id prefix. */
  private Optional<Match> find(String text) {
    String ref = text.trim();
    var full = FULL_ID.matcher(ref);
    if (full.matches()) {
      ImageRecord r = images.get("sha256:" + full.group(1));
      if (r != null) {
        return Optional.of(new Match(r, By.ID, r.id()));
      }
    }
    List<ImageReference> names = List.of();
    CaissonException notAReference = null;
    try {
      names = localNames(ref);
    } catch (CaissonException e) {
      // not a reference: maybe an id prefix
      notAReference = e;
    }
    for (ImageReference parsed : full.matches() ? List.<ImageReference>of() : names) {
      if (parsed.digest() != null) {
        String name = parsed.digestedName(parsed.digest());
        for (ImageRecord r : images.values()) {
          if (r.repoDigests().contains(name)) {
            return Optional.of(new Match(r, By.DIGEST, name));
          }
        }
      } else {
        String name = parsed.withDefaultTag().taggedName();
        for (ImageRecord r : images.values()) {
          if (r.repoTags().contains(name)) {
            return Optional.of(new Match(r, By.TAG, name));
          }
        }
      }
    }
    var prefix = ID_PREFIX.matcher(ref);
    if (prefix.matches()) {
      List<ImageRecord> hits =
          images.values().stream().filter(r -> r.hex().startsWith(prefix.group(1))).toList();
      if (hits.size() == 1) {
        return Optional.of(new Match(hits.getFirst(), By.ID, hits.getFirst().id()));
      }
      if (hits.size() > 1) {
        throw CaissonException.invalid("image id prefix %s is ambiguous", ref);
      }
    } else if (notAReference != null && !full.matches()) {
      // Neither a reference nor an id: a client bug, not an absent image.
      throw CaissonException.invalid(
          "'%s' is neither an image reference nor an image id: %s",
          ref, notAReference.getMessage());
    }
    return Optional.empty();
  }

  /**
   * The repositories ({@code registry/path}) a reference may name, in the order a pull tries them;
   * none for what is no reference.
   */
  public List<String> repositoriesFor(String reference) {
    try {
      return localNames(reference).stream().map(ImageReference::name).toList();
    } catch (CaissonException e) {
      return List.of();
    }
  }

  /**
   * The names a reference may have in this store: itself, or for a short name those it resolves to
   * (registries.conf's aliases and search registries). A registries.conf that cannot be read leaves
   * short names to docker.io here: looking up an image already stored never fails for it.
   */
  private List<ImageReference> localNames(String text) {
    if (ImageReference.shortName(text) == null) {
      return List.of(ImageReference.parse(text));
    }
    try {
      return registries.current().candidates(text);
    } catch (CaissonException e) {
      return List.of(ImageReference.parse(text));
    }
  }

  // ---------------------------------------------------------------- remove, usage, gc

  /**
   * Removes an image; idempotent. A tag of an image with other tags is only untagged; otherwise the
   * image and all its names go, and layers no other image uses are collected. Refused with
   * FAILED_PRECONDITION while a container holds the image.
   */
  public void remove(String ref) {
    lock.lock();
    try {
      Optional<Match> m = find(ref);
      if (m.isEmpty()) {
        return;
      }
      ImageRecord r = m.get().record();
      if (m.get().by() == By.TAG && r.repoTags().size() > 1) {
        List<String> rest = new ArrayList<>(r.repoTags());
        rest.remove(m.get().name());
        save(r.withNames(rest, r.repoDigests()));
        log.info("untagged {} from {}", m.get().name(), r.id());
        return;
      }
      Set<String> users = holders.getOrDefault(r.id(), Set.of());
      if (!users.isEmpty()) {
        throw CaissonException.precondition(
            "image %s is in use by container(s) %s", r.id(), String.join(", ", users));
      }
      Files.deleteIfExists(recordsDir.resolve(r.hex() + ".json"));
      AtomicFiles.syncDirectory(recordsDir);
      images.remove(r.id());
      log.info("removed image {} {}", r.id(), r.repoTags());
      collectGarbage();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.unlock();
      deleteRetired();
    }
  }

  /** Marks an image as used by a container; removal is refused until released. */
  public void acquire(String imageId, String holderId) {
    lock.lock();
    try {
      if (!images.containsKey(imageId)) {
        throw CaissonException.notFound("image %s not found", imageId);
      }
      holders.computeIfAbsent(imageId, k -> new LinkedHashSet<>()).add(holderId);
    } finally {
      lock.unlock();
    }
  }

  /** Idempotent. */
  public void release(String imageId, String holderId) {
    lock.lock();
    try {
      Set<String> set = holders.get(imageId);
      if (set != null && set.remove(holderId) && set.isEmpty()) {
        holders.remove(imageId);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Releases every image {@code holderId} holds, whatever names them now; idempotent. */
  public void releaseHolder(String holderId) {
    lock.lock();
    try {
      holders.values().removeIf(set -> set.remove(holderId) && set.isEmpty());
    } finally {
      lock.unlock();
    }
  }

  /** The layers and config a container is built from; NOT_FOUND when the image is absent. */
  public ImageRootfs resolveForContainer(String ref) {
    lock.lock();
    try {
      ImageRecord r =
          find(ref)
              .orElseThrow(() -> CaissonException.notFound("image %s not found", ref))
              .record();
      // A layer an image lists twice (buildkit's empty layer, say) is stored once, and overlayfs
      // refuses a lowerdir given twice (ELOOP). Only its highest place counts: it redefines every
      // path it touches there, so what it did lower down is covered anyway.
      LinkedHashSet<Digest> highestLast = new LinkedHashSet<>();
      for (String l : r.layers()) {
        Digest d = Digest.parse(l);
        highestLast.remove(d);
        highestLast.add(d);
      }
      List<Path> dirs = new ArrayList<>();
      List<Path> shortDirs = new ArrayList<>();
      for (Digest d : highestLast) {
        dirs.add(layers.diff(d));
        shortDirs.add(layers.shortLink(d));
      }
      return new ImageRootfs(r.id(), List.copyOf(dirs), List.copyOf(shortDirs), r.config());
    } finally {
      lock.unlock();
    }
  }

  /** {@link #resolveForContainer} and {@link #acquire} in one step, so no removal slips between. */
  public ImageRootfs acquireForContainer(String ref, String holderId) {
    lock.lock();
    try {
      ImageRootfs rootfs = resolveForContainer(ref);
      acquire(rootfs.imageId(), holderId);
      return rootfs;
    } finally {
      lock.unlock();
    }
  }

  /** Call without the lock held. */
  private void deleteRetired() {
    for (Path doomed = retired.poll(); doomed != null; doomed = retired.poll()) {
      try {
        LayerUnpacker.deleteTree(doomed);
      } catch (IOException e) {
        log.warn(
            "could not delete collected layer {}: {} (retried at next start)",
            doomed,
            e.getMessage());
      }
    }
  }

  /** Deletes layers and blobs no image and no running pull uses. Caller holds the lock. */
  private void collectGarbage() throws IOException {
    Set<Digest> usedLayers = new HashSet<>(leasedLayers.keySet());
    Set<Digest> usedBlobs = new HashSet<>(leasedBlobs.keySet());
    for (ImageRecord r : images.values()) {
      r.layers().forEach(l -> usedLayers.add(Digest.parse(l)));
      r.manifests().forEach(m -> usedBlobs.add(Digest.parse(m)));
      usedBlobs.add(Digest.parse(r.id()));
    }
    for (Digest d : layers.all()) {
      if (!usedLayers.contains(d)) {
        log.info("collecting unused layer {}", d);
        Path doomed = layers.retire(d);
        if (doomed != null) {
          retired.add(doomed);
        }
      }
    }
    for (Digest d : blobs.all()) {
      if (!usedBlobs.contains(d)) {
        blobs.delete(d);
      }
    }
  }

  // ---------------------------------------------------------------- fs info

  /**
   * Bytes and inodes under the store (hard links counted once) and its filesystem's mountpoint.
   * Each layer is walked once, the first time it is counted (layers never change); only the rest of
   * the store (records, manifests and configs, links, pulls under way) is walked on every call.
   */
  public FsUsage fsInfo() {
    try {
      Set<Digest> present = layers.all();
      DirUsage total = DirUsage.of(root, layers.dirs(present));
      for (Digest layer : present) {
        total = total.plus(layers.usage(layer));
      }
      layers.retainUsage(present);
      return new FsUsage(
          System.currentTimeMillis() * 1_000_000L,
          DiskUsage.mountpointOf(root),
          total.bytes(),
          total.inodes());
    } catch (IOException e) {
      throw CaissonException.internal("cannot measure image store " + root, e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() {
    watchdog.close();
    clients.close();
  }
}
