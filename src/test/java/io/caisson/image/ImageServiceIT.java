package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.caisson.common.CaissonException;
import io.caisson.common.CaissonException.Kind;
import io.caisson.image.TestImages.Comp;
import io.caisson.image.TestImages.Image;
import io.caisson.image.TestImages.Layer;
import io.caisson.image.TestImages.Pusher;
import io.caisson.json.Json;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import io.caisson.linux.Syscalls;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real docker-registry on 127.0.0.1, with images built and pushed by the test. */
class ImageServiceIT {
  static Path registryDir;
  static TestRegistry registry;
  static Pusher pusher;
  static Layer base;
  static Layer big;

  @TempDir Path tmp;
  private final List<ImageService> services = new ArrayList<>();

  @BeforeAll
  static void startRegistry() throws Exception {
    registryDir = Files.createTempDirectory("caisson-registry-it");
    registry = new TestRegistry(registryDir, null);
    pusher = new Pusher(registry.host(), null);
    TarBuilder b =
        new TarBuilder()
            .dir("bin", 0755)
            .file("bin/busybox", "#!busybox".getBytes(StandardCharsets.UTF_8), 0755, 0, 0);
    for (int i = 0; i < 400; i++) {
      b.hardlink("bin/applet" + i, "bin/busybox");
    }
    b.dir("etc", 0755).file("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
    b.dir("var/cache", 0755).file("var/cache/old", "old", 0644);
    base = TestImages.layer(b.build(), Comp.GZIP, false);
    byte[] random = new byte[3 << 20];
    new Random(42).nextBytes(random);
    big =
        TestImages.layer(
            new TarBuilder().file("big", random, 0644, 0, 0).build(), Comp.GZIP, false);
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  @AfterEach
  void closeServices() {
    services.forEach(ImageService::close);
  }

  private ImageService service(Path root, Path registriesConf, Path authFile, Duration stall) {
    ImageService s =
        new ImageService(root, registriesConf, authFile, registry.host() + "/pause:3.10", stall, 3);
    services.add(s);
    return s;
  }

  private ImageService service() {
    return service(tmp.resolve("store"), null, null, Duration.ofSeconds(60));
  }

  /** A service following registries.conf {@code toml}, giving up on a stalled pull after 10 s. */
  private ImageService serviceFollowing(String toml) throws Exception {
    Path conf = Files.writeString(tmp.resolve("registries.conf"), toml);
    return service(tmp.resolve("store"), conf, null, Duration.ofSeconds(10));
  }

  private String ref(String repoAndTag) {
    return registry.host() + "/" + repoAndTag;
  }

  private static Kind kindOf(ThrowingCallable call) {
    try {
      call.call();
    } catch (CaissonException e) {
      return e.kind();
    } catch (Throwable t) {
      throw new AssertionError("expected a CaissonException", t);
    }
    throw new AssertionError("expected a failure");
  }

  private static List<String> entries(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void theNodesSignaturePolicyDecidesWhichPullsGoAhead() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("policy/open", "v1", img);
    pusher.push("policy/closed", "v1", img);
    pusher.push("policy/signed", "v1", img);
    Path policy = tmp.resolve("policy.json");
    Files.writeString(
        policy,
        """
        {"default": [{"type": "insecureAcceptAnything"}],
         "transports": {"docker": {
           "%1$s/policy/closed": [{"type": "reject"}],
           "%1$s/policy/signed": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k.gpg"}]
         }}}
        """
            .formatted(registry.host()));
    ImageService s = service();
    s.setSignaturePolicy(new SignaturePolicyFile(policy));

    assertThat(kindOf(() -> s.pull(ref("policy/closed:v1"), Credentials.NONE)))
        .isEqualTo(Kind.FAILED_PRECONDITION);
    // A requirement that cannot be checked (its keyring is missing) refuses, never lets through.
    assertThatThrownBy(() -> s.pull(ref("policy/signed:v1"), Credentials.NONE))
        .hasMessageContaining("requires a GPG signature")
        .hasMessageContaining("its keyring cannot be read: /k.gpg does not exist");
    assertThat(s.list(Optional.empty())).isEmpty();
    assertThat(s.pull(ref("policy/open:v1"), Credentials.NONE).repoTags())
        .containsExactly(ref("policy/open:v1"));

    // An edit applies to the next pull; a broken file stops every pull until it is mended.
    Files.writeString(policy, "{\"default\": [{\"type\": \"reject\"}]}");
    assertThat(kindOf(() -> s.pull(ref("policy/open:v1"), Credentials.NONE)))
        .isEqualTo(Kind.FAILED_PRECONDITION);
    Files.writeString(policy, "{\"default\": [");
    assertThatThrownBy(() -> s.pull(ref("policy/open:v1"), Credentials.NONE))
        .hasMessageContaining("is invalid");
    Files.delete(policy);
    // The same image under another name now: one record with both names.
    assertThat(s.pull(ref("policy/closed:v1"), Credentials.NONE).repoTags())
        .contains(ref("policy/closed:v1"));
  }

  @Test
  void sigstoreSignaturesInTheRegistryDecideWhatASignedScopeMayPull() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    SigstoreSigner signer = SigstoreSigner.ec();
    pusher.push("signed/good", "v1", img);
    signer.push(pusher, "signed/good", img.manifestDigest(), ref("signed/good:v1"));
    pusher.push("signed/none", "v1", img);
    pusher.push("signed/stranger", "v1", img);
    SigstoreSigner.ec()
        .push(pusher, "signed/stranger", img.manifestDigest(), ref("signed/stranger:v1"));
    Path key = Files.writeString(tmp.resolve("cosign.pub"), signer.publicKeyPem());
    ImageService s =
        policedService(
            registry.host() + "/signed",
            "{\"type\": \"sigstoreSigned\", \"keyPath\": \"%s\"}".formatted(key));

    assertThatThrownBy(() -> s.pull(ref("signed/none:v1"), Credentials.NONE))
        .hasMessageContaining("a signature was required, but no signature exists");
    assertThatThrownBy(() -> s.pull(ref("signed/stranger:v1"), Credentials.NONE))
        .hasMessageContaining("does not verify with the policy's key");
    // The signature names signed/good:v1, so it vouches for nothing else, not even the same
    // manifest under another tag.
    pusher.manifest("signed/good", "v2", img.manifest(), img.manifestType());
    assertThatThrownBy(() -> s.pull(ref("signed/good:v2"), Credentials.NONE))
        .hasMessageContaining("identity '" + ref("signed/good:v1") + "' is not accepted");
    assertThat(kindOf(() -> s.pull(ref("signed/none:v1"), Credentials.NONE)))
        .isEqualTo(Kind.FAILED_PRECONDITION);
    assertRefusedBeforeAnyLayer(s);

    assertThat(s.pull(ref("signed/good:v1"), Credentials.NONE).repoTags())
        .containsExactly(ref("signed/good:v1"));
    // By digest, a signature of the repository at that digest is enough.
    assertThat(s.pull(ref("signed/good@" + img.manifestDigest()), Credentials.NONE).repoDigests())
        .contains(ref("signed/good@" + img.manifestDigest()));
  }

  @Test
  void keylessSignaturesCountByTheirFulcioCertificateAndRekorTimestamp() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    TestPki fulcio = TestPki.create(tmp.resolve("fulcio"));
    TestRekor rekor = TestRekor.create();
    String issuer = "https://issuer.example";
    TestPki.Issued release =
        fulcio.issue(
            "release",
            1,
            "subjectAltName=critical,email:release@example.com",
            "extendedKeyUsage=codeSigning",
            "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:" + issuer);
    TestPki.Issued someone =
        fulcio.issue(
            "someone",
            1,
            "subjectAltName=critical,email:someone@example.com",
            "extendedKeyUsage=codeSigning",
            "1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:" + issuer);
    for (var signed :
        List.of(Map.entry("keyless/good", release), Map.entry("keyless/other", someone))) {
      pusher.push(signed.getKey(), "v1", img);
      byte[] payload = SigstoreSigner.payload(ref(signed.getKey() + ":v1"), img.manifestDigest());
      SigstoreSigner.pushSignatures(
          pusher,
          signed.getKey(),
          img.manifestDigest(),
          List.of(rekor.keyless(signed.getValue(), fulcio.chainPem(), payload, Instant.now())));
    }
    Path rekorKey = Files.writeString(tmp.resolve("rekor.pub"), rekor.publicKeyPem());
    ImageService s =
        policedService(
            registry.host() + "/keyless",
            """
            {"type": "sigstoreSigned",
             "fulcio": {"caPath": "%s", "oidcIssuer": "%s", "subjectEmail": "release@example.com"},
             "rekorPublicKeyPath": "%s"}
            """
                .formatted(fulcio.root(), issuer, rekorKey));

    assertThatThrownBy(() -> s.pull(ref("keyless/other:v1"), Credentials.NONE))
        .hasMessageContaining("does not name email 'release@example.com'");
    assertRefusedBeforeAnyLayer(s);
    assertThat(s.pull(ref("keyless/good:v1"), Credentials.NONE).repoTags())
        .containsExactly(ref("keyless/good:v1"));
  }

  /**
   * A service whose policy wants {@code scope}'s images signed with {@code keyring}'s GPG keys, and
   * whose registries.d puts every image's lookaside in {@code sigstore}.
   */
  private ImageService gpgPolicedService(String scope, Path keyring, Path sigstore)
      throws Exception {
    Path registriesD = Files.createDirectories(tmp.resolve("registries.d"));
    Files.writeString(
        registriesD.resolve("default.yaml"),
        "default-docker:\n  lookaside: " + sigstore.toUri() + "\n");
    ImageService s =
        policedService(
            scope,
            "{\"type\": \"signedBy\", \"keyType\": \"GPGKeys\", \"keyPath\": \"%s\"}"
                .formatted(keyring));
    s.setRegistriesDir(registriesD);
    return s;
  }

  /**
   * A service whose policy accepts every image but {@code scope}'s, which need {@code requirement}.
   */
  private ImageService policedService(String scope, String requirement) throws Exception {
    Path policy = tmp.resolve("policy.json");
    Files.writeString(
        policy,
        """
        {"default": [{"type": "insecureAcceptAnything"}],
         "transports": {"docker": {"%s": [%s]}}}
        """
            .formatted(scope, requirement));
    ImageService s = service();
    s.setSignaturePolicy(new SignaturePolicyFile(policy));
    return s;
  }

  /** A pull the trust policy refused fetched no layer: nothing is stored. */
  private void assertRefusedBeforeAnyLayer(ImageService s) throws Exception {
    assertThat(s.list(Optional.empty())).isEmpty();
    try (var layers = Files.list(tmp.resolve("store/layers"))) {
      assertThat(layers.toList()).isEmpty();
    }
  }

  @Test
  void aRegistrysOwnSignatureApiIsReadInsteadOfTheLookaside() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "arm64", false);
    pusher.push("apisigned/good", "v1", img);
    pusher.push("apisigned/stranger", "v1", img);
    try (GpgSigner signer = GpgSigner.create(tmp, "signer@caisson.invalid");
        GpgSigner stranger = GpgSigner.create(tmp, "stranger@caisson.invalid");
        SignatureApiProxy api = new SignatureApiProxy(registry.host())) {
      String good = api.host() + "/apisigned/good:v1";
      String other = api.host() + "/apisigned/stranger:v1";
      api.add("apisigned/good", img.manifestDigest(), signer.sign(img.manifest(), good));
      api.add("apisigned/stranger", img.manifestDigest(), stranger.sign(img.manifest(), other));
      // A lookaside with the stranger's signature for the good image: never read, since the
      // registry serves signatures itself.
      Path sigstore = tmp.resolve("sigstore");
      String digestDir = "@" + img.manifestDigest().algorithm() + "=" + img.manifestDigest().hex();
      Files.write(
          Files.createDirectories(sigstore.resolve("apisigned/good" + digestDir))
              .resolve("signature-1"),
          stranger.sign(img.manifest(), good));
      ImageService s =
          gpgPolicedService(
              api.host() + "/apisigned",
              signer.exportPublicKey(tmp.resolve("signer.gpg")),
              sigstore);

      assertThatThrownBy(() -> s.pull(other, Credentials.NONE))
          .hasMessageContaining("in the signature extension of")
          .hasMessageContaining("which is not among the policy's keys");
      assertRefusedBeforeAnyLayer(s);
      assertThat(s.pull(good, Credentials.NONE).repoTags()).containsExactly(good);
    }
  }

  @Test
  void gpgSignaturesInTheLookasideDecideWhatASignedByScopeMayPull() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "arm64", false);
    pusher.push("gpgsigned/good", "v1", img);
    pusher.push("gpgsigned/none", "v1", img);
    pusher.push("gpgsigned/stranger", "v1", img);
    pusher.manifest("gpgsigned/good", "v2", img.manifest(), img.manifestType());
    Path sigstore = tmp.resolve("sigstore");
    try (GpgSigner signer = GpgSigner.create(tmp, "signer@caisson.invalid");
        GpgSigner stranger = GpgSigner.create(tmp, "stranger@caisson.invalid")) {
      // Where skopeo copy --sign-by puts them for a file: lookaside.
      String digestDir = "@" + img.manifestDigest().algorithm() + "=" + img.manifestDigest().hex();
      Files.write(
          Files.createDirectories(sigstore.resolve("gpgsigned/good" + digestDir))
              .resolve("signature-1"),
          signer.sign(img.manifest(), ref("gpgsigned/good:v1")));
      Files.write(
          Files.createDirectories(sigstore.resolve("gpgsigned/stranger" + digestDir))
              .resolve("signature-1"),
          stranger.sign(img.manifest(), ref("gpgsigned/stranger:v1")));
      ImageService s =
          gpgPolicedService(
              registry.host() + "/gpgsigned",
              signer.exportPublicKey(tmp.resolve("signer.gpg")),
              sigstore);

      assertThatThrownBy(() -> s.pull(ref("gpgsigned/none:v1"), Credentials.NONE))
          .hasMessageContaining("requires a GPG signature of " + img.manifestDigest())
          .hasMessageContaining("a signature was required, but no signature exists");
      assertThatThrownBy(() -> s.pull(ref("gpgsigned/stranger:v1"), Credentials.NONE))
          .hasMessageContaining("which is not among the policy's keys");
      assertThatThrownBy(() -> s.pull(ref("gpgsigned/good:v2"), Credentials.NONE))
          .hasMessageContaining("identity '" + ref("gpgsigned/good:v1") + "' is not accepted");
      assertThat(kindOf(() -> s.pull(ref("gpgsigned/none:v1"), Credentials.NONE)))
          .isEqualTo(Kind.FAILED_PRECONDITION);
      assertRefusedBeforeAnyLayer(s);

      assertThat(s.pull(ref("gpgsigned/good:v1"), Credentials.NONE).repoTags())
          .containsExactly(ref("gpgsigned/good:v1"));
    }
  }

  @Test
  void encryptedLayersAreOpenedWithTheNodesKeysBeforeAnyIsDownloaded() throws Exception {
    Image img = TestImages.image(TestImages.list(base, big), null, "amd64", true);
    pusher.push("crypt/plain", "v1", img);
    Path keys = Files.createDirectories(tmp.resolve("keys"));
    OpenSsl.run(tmp, List.of("genrsa", "-out", "node.pem", "2048"));
    OpenSsl.run(tmp, List.of("rsa", "-in", "node.pem", "-pubout", "-out", "node.pub"));
    OpenSsl.run(tmp, List.of("genrsa", "-out", keys.resolve("stranger.pem").toString(), "2048"));
    // skopeo encrypts the layers (ocicrypt, as podman and CRI-O users make such images).
    Process skopeo =
        new ProcessBuilder(
                "skopeo",
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                "--encryption-key",
                "jwe:" + tmp.resolve("node.pub"),
                "docker://" + ref("crypt/plain:v1"),
                "docker://" + ref("crypt/secret:v1"))
            .redirectErrorStream(true)
            .start();
    String said = new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(skopeo.waitFor()).as(said).isZero();
    ImageService s = service();
    String secret = ref("crypt/secret:v1");

    assertThat(kindOf(() -> s.pull(secret, Credentials.NONE))).isEqualTo(Kind.FAILED_PRECONDITION);
    assertThatThrownBy(() -> s.pull(secret, Credentials.NONE))
        .hasMessageContaining("is encrypted (JWE) and no decryption_keys_path is configured");
    s.setDecryptionKeysDir(keys);
    assertThatThrownBy(() -> s.pull(secret, Credentials.NONE))
        .hasMessageContaining("none of the 1 private keys in " + keys + " opens it");
    assertRefusedBeforeAnyLayer(s);

    // A key added to the directory counts from the next pull on.
    Files.copy(tmp.resolve("node.pem"), keys.resolve("node.pem"));
    ImageRecord r = s.pull(secret, Credentials.NONE);
    assertThat(r.id()).isEqualTo(img.configDigest().toString());
    List<Path> dirs = s.resolveForContainer(secret).layerDirs();
    assertThat(dirs.get(0).resolve("etc/passwd")).hasContent("root:x:0:0::/root:/bin/sh\n");
    assertThat(Files.size(dirs.get(1).resolve("big"))).isEqualTo(3 << 20);
  }

  @Test
  void singleLayerDockerImagePullStatusListRemove() throws Exception {
    Image img = TestImages.image(TestImages.list(base), "1000:1000", "amd64", false);
    pusher.push("one/busybox", "v1", img);
    ImageService s = service();

    ImageRecord r = s.pull(ref("one/busybox:v1"), Credentials.NONE);
    assertThat(r.id()).isEqualTo(img.configDigest().toString());
    assertThat(r.repoTags()).containsExactly(ref("one/busybox:v1"));
    assertThat(r.repoDigests()).containsExactly(ref("one/busybox@" + img.manifestDigest()));
    assertThat(r.uid()).isEqualTo(1000L);
    assertThat(r.username()).isEmpty();
    assertThat(r.size()).isEqualTo(img.config().length + base.blob().length);
    assertThat(r.pinned()).isFalse();
    assertThat(r.config().env()).containsExactly("PATH=/usr/bin:/bin", "FOO=bar");
    assertThat(r.config().entrypoint()).containsExactly("/entry");
    assertThat(r.config().cmd()).containsExactly("sh");
    assertThat(r.config().workingDir()).isEqualTo("/work");
    assertThat(r.config().stopSignal()).isEqualTo("SIGQUIT");
    assertThat(r.config().volumes()).containsExactly("/data");
    assertThat(r.config().exposedPorts()).containsExactly("80/tcp");
    assertThat(r.config().labels()).containsEntry("arch", "amd64");

    ImageRootfs rootfs = s.resolveForContainer(ref("one/busybox:v1"));
    assertThat(rootfs.layerDirs()).hasSize(1);
    Path diff = rootfs.layerDirs().getFirst();
    assertThat(Files.getAttribute(diff.resolve("bin/busybox"), "unix:nlink")).isEqualTo(401);
    assertThat(rootfs.shortLayerDirs().getFirst().toRealPath()).isEqualTo(diff.toRealPath());
    assertThat(rootfs.shortLayerDirs().getFirst().toString().length())
        .isLessThan(diff.toString().length());

    // every way of naming it
    String hex = img.configDigest().hex();
    for (String name :
        List.of(
            r.id(),
            hex,
            hex.substring(0, 12),
            "sha256:" + hex.substring(0, 8),
            ref("one/busybox:v1"),
            ref("one/busybox@" + img.manifestDigest()))) {
      assertThat(s.status(name)).as(name).map(ImageRecord::id).contains(r.id());
    }
    assertThat(s.status(ref("one/busybox:v2"))).isEmpty();
    assertThat(s.status("nosuch")).isEmpty();
    assertThat(s.list(Optional.empty())).extracting(ImageRecord::id).containsExactly(r.id());
    assertThat(s.list(Optional.of(ref("one/busybox:v1")))).hasSize(1);
    assertThat(s.list(Optional.of(ref("other:v1")))).isEmpty();
    assertThat(s.configJson(r.id()).orElseThrow()).contains("\"diff_ids\"");

    // pulling again fetches no layer and changes nothing
    assertThat(s.pull(ref("one/busybox:v1"), null)).isEqualTo(r);

    var fs = s.fsInfo();
    assertThat(fs.usedBytes()).isPositive();
    assertThat(fs.inodesUsed()).isGreaterThan(4).isLessThan(401); // hard links count once
    assertThat(s.root().startsWith(fs.mountpoint())).isTrue();

    s.remove(ref("one/busybox:v1"));
    assertThat(s.status(r.id())).isEmpty();
    assertThat(entries(s.root().resolve("layers"))).isEmpty();
    assertThat(entries(s.root().resolve("l"))).isEmpty();
    assertThat(entries(s.root().resolve("blobs/sha256"))).isEmpty();
    s.remove(ref("one/busybox:v1")); // idempotent
    s.remove(r.id());
  }

  /**
   * ImageFsInfo walks a layer once (layers never change once unpacked), not every file of every
   * image on every call, and stops counting it once it is collected.
   */
  @Test
  void fsInfoWalksEachLayerOnce() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("fsinfo/busybox", "v1", img);
    ImageService s = service();
    var empty = s.fsInfo();
    s.pull(ref("fsinfo/busybox:v1"), Credentials.NONE);
    var pulled = s.fsInfo();
    assertThat(pulled.inodesUsed()).isGreaterThan(empty.inodesUsed() + 4);
    assertThat(pulled.usedBytes()).isGreaterThan(empty.usedBytes());

    // Nothing writes into a layer; a file put there shows that it is not walked again.
    Path diff = s.resolveForContainer(ref("fsinfo/busybox:v1")).layerDirs().getFirst();
    Files.write(diff.resolve("planted"), new byte[1 << 20]);
    var again = s.fsInfo();
    assertThat(again.inodesUsed()).isEqualTo(pulled.inodesUsed());
    assertThat(again.usedBytes()).isEqualTo(pulled.usedBytes());

    s.remove(ref("fsinfo/busybox:v1"));
    var removed = s.fsInfo();
    // The store keeps the blobs/sha256 directory the pull made.
    assertThat(removed.inodesUsed()).isLessThanOrEqualTo(empty.inodesUsed() + 1);
    assertThat(removed.usedBytes()).isLessThan(pulled.usedBytes());
  }

  /** A pull that fails before any layer (here: no such manifest) is still a failed pull. */
  @Test
  void thePullListenerHearsOfPullsThatFailBeforeAnyLayer() throws Exception {
    ImageService s = service();
    List<Boolean> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
    s.setPullListener((bytes, nanos, succeeded) -> outcomes.add(succeeded));

    assertThat(kindOf(() -> s.pull(ref("nosuch/image:v1"), Credentials.NONE)))
        .isEqualTo(Kind.NOT_FOUND);

    assertThat(outcomes).containsExactly(false);
  }

  @Test
  void multiLayerOciWithWhiteoutsZstdAndUncompressed() throws Exception {
    Layer upper =
        TestImages.layer(
            new TarBuilder()
                .file("etc/.wh.passwd", "", 0644)
                .dir("var/cache", 0755)
                .file("var/cache/.wh..wh..opq", "", 0644)
                .file("var/cache/new", "new", 0644)
                .build(),
            Comp.ZSTD,
            true);
    Layer plain =
        TestImages.layer(new TarBuilder().file("top", "top", 0600).build(), Comp.NONE, true);
    Layer gz =
        TestImages.layer(base.blob().length > 0 ? gunzip(base.blob()) : null, Comp.GZIP, true);
    Image img = TestImages.image(TestImages.list(gz, upper, plain), "www-data", "amd64", true);
    pusher.push("multi/app", "latest", img);
    ImageService s = service();

    ImageRecord r = s.pull(ref("multi/app"), Credentials.NONE);
    assertThat(r.repoTags()).containsExactly(ref("multi/app:latest"));
    assertThat(r.uid()).isNull();
    assertThat(r.username()).isEqualTo("www-data");
    List<Path> dirs = s.resolveForContainer(r.id()).layerDirs();
    assertThat(dirs).hasSize(3);
    assertThat(dirs.get(0).resolve("etc/passwd")).exists();
    Path wh = dirs.get(1).resolve("etc/passwd");
    assertThat((int) Files.getAttribute(wh, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000)
        .isEqualTo(0020000);
    assertThat(Syscalls.lgetxattr(dirs.get(1).resolve("var/cache"), "trusted.overlay.opaque"))
        .containsExactly('y');
    assertThat(dirs.get(1).resolve("var/cache/new")).hasContent("new");
    assertThat(dirs.get(2).resolve("top")).hasContent("top");
  }

  private static byte[] gunzip(byte[] gz) throws Exception {
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  @Test
  void indexSelectsThePlatform() throws Exception {
    Layer other =
        TestImages.layer(new TarBuilder().file("arch", "arm64", 0644).build(), Comp.GZIP, true);
    Image amd = TestImages.image(TestImages.list(base), null, "amd64", true);
    Image arm = TestImages.image(TestImages.list(other), null, "arm64", true);
    for (Image im : List.of(amd, arm)) {
      for (Layer l : im.layers()) {
        pusher.blob("multiarch/app", l.blob(), l.digest());
      }
      pusher.blob("multiarch/app", im.config(), im.configDigest());
      pusher.manifest(
          "multiarch/app", im.manifestDigest().toString(), im.manifest(), im.manifestType());
    }
    byte[] index =
        TestImages.index(List.of(arm, amd), List.of("linux/arm64/v8", "linux/amd64"), true);
    pusher.manifest("multiarch/app", "1.0", index, Manifests.OCI_INDEX);
    byte[] list =
        TestImages.index(List.of(arm, amd), List.of("linux/arm64/v8", "linux/amd64"), false);
    pusher.manifest("multiarch/app", "docker", list, Manifests.DOCKER_LIST);

    ImageService s = service();
    ImageRecord r = s.pull(ref("multiarch/app:1.0"), Credentials.NONE);
    assertThat(r.id()).isEqualTo(amd.configDigest().toString());
    // the repo digest names the index, as `docker pull` shows it
    assertThat(r.repoDigests()).contains(ref("multiarch/app@" + Digest.sha256(index)));
    assertThat(s.pull(ref("multiarch/app:docker"), null).id()).isEqualTo(r.id());

    ImageService armService =
        new ImageService(
            tmp.resolve("arm"),
            null,
            null,
            null,
            Duration.ofSeconds(30),
            2,
            new Platform("linux", "arm64", "v8"));
    services.add(armService);
    ImageRecord a = armService.pull(ref("multiarch/app:1.0"), null);
    assertThat(a.id()).isEqualTo(arm.configDigest().toString());
    ImageService s390 =
        new ImageService(
            tmp.resolve("s390"),
            null,
            null,
            null,
            Duration.ofSeconds(30),
            2,
            new Platform("linux", "s390x", ""));
    services.add(s390);
    assertThat(kindOf(() -> s390.pull(ref("multiarch/app:1.0"), null))).isEqualTo(Kind.NOT_FOUND);
  }

  /**
   * Index entries without a platform (some tools write none): taken when no entry names the node's
   * platform, as CRI-O and containerd take them, unless the image's config names another.
   */
  @Test
  void anIndexEntryWithoutAPlatformIsTakenWhenNoneNamesTheNodes() throws Exception {
    Layer other =
        TestImages.layer(new TarBuilder().file("arch", "arm64", 0644).build(), Comp.GZIP, true);
    Image amd = TestImages.image(TestImages.list(base), null, "amd64", true);
    Image arm = TestImages.image(TestImages.list(other), null, "arm64", true);
    for (Image im : List.of(amd, arm)) {
      for (Layer l : im.layers()) {
        pusher.blob("unlabelled/app", l.blob(), l.digest());
      }
      pusher.blob("unlabelled/app", im.config(), im.configDigest());
      pusher.manifest(
          "unlabelled/app", im.manifestDigest().toString(), im.manifest(), im.manifestType());
    }
    var unlabelled = new JsonObject();
    unlabelled.put("schemaVersion", 2).put("mediaType", Manifests.OCI_INDEX);
    unlabelled
        .putArray("manifests")
        .addObject()
        .put("mediaType", amd.manifestType())
        .put("digest", amd.manifestDigest().toString())
        .put("size", amd.manifest().length);
    pusher.manifest(
        "unlabelled/app", "amd", JsonRecords.STANDARD.bytes(unlabelled), Manifests.OCI_INDEX);
    var armOnly = unlabelled.deepCopy();
    ((JsonObject) armOnly.get("manifests").get(0))
        .put("digest", arm.manifestDigest().toString())
        .put("size", arm.manifest().length);
    pusher.manifest(
        "unlabelled/app", "arm", JsonRecords.STANDARD.bytes(armOnly), Manifests.OCI_INDEX);
    // An unlabelled entry first, then one for linux/amd64: the labelled one wins.
    var both = new JsonObject();
    both.put("schemaVersion", 2).put("mediaType", Manifests.OCI_INDEX);
    var entries = both.putArray("manifests");
    entries.add(armOnly.get("manifests").get(0));
    entries.add(
        Json.parse(TestImages.index(List.of(amd), List.of("linux/amd64"), true))
            .get("manifests")
            .get(0));
    pusher.manifest(
        "unlabelled/app", "both", JsonRecords.STANDARD.bytes(both), Manifests.OCI_INDEX);

    ImageService s = service();
    assertThat(s.pull(ref("unlabelled/app:amd"), null).id())
        .isEqualTo(amd.configDigest().toString());
    assertThat(s.pull(ref("unlabelled/app:both"), null).id())
        .isEqualTo(amd.configDigest().toString());
    assertThatThrownBy(() -> s.pull(ref("unlabelled/app:arm"), null))
        .isInstanceOfSatisfying(
            CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
        .hasMessageContaining("linux/arm64");
  }

  @Test
  void sharedLayersTagsUsageAndGarbageCollection() throws Exception {
    Layer extra =
        TestImages.layer(new TarBuilder().file("extra", "x", 0644).build(), Comp.GZIP, false);
    Image one = TestImages.image(TestImages.list(base), null, "amd64", false);
    Image two = TestImages.image(TestImages.list(base, extra), null, "amd64", false);
    pusher.push("shared/app", "one", one);
    pusher.push("shared/app", "two", two);
    pusher.push("shared/app", "alias", one);
    ImageService s = service();
    ImageRecord r1 = s.pull(ref("shared/app:one"), null);
    ImageRecord r2 = s.pull(ref("shared/app:two"), null);
    s.pull(ref("shared/app:alias"), null);
    assertThat(s.status(r1.id()).orElseThrow().repoTags())
        .containsExactly(ref("shared/app:one"), ref("shared/app:alias"));
    assertThat(entries(s.root().resolve("layers"))).hasSize(2);

    // untagging one of two tags keeps the image
    s.remove(ref("shared/app:alias"));
    assertThat(s.status(r1.id()).orElseThrow().repoTags()).containsExactly(ref("shared/app:one"));

    // in use: refused; released: removed, shared layer kept for image two
    ImageRootfs rootfs = s.acquireForContainer(ref("shared/app:one"), "ctr-1");
    assertThat(rootfs.imageId()).isEqualTo(r1.id());
    assertThat(kindOf(() -> s.remove(r1.id()))).isEqualTo(Kind.FAILED_PRECONDITION);
    s.release(r1.id(), "ctr-1");
    s.remove(r1.id());
    assertThat(s.status(r1.id())).isEmpty();
    assertThat(entries(s.root().resolve("layers"))).hasSize(2);
    assertThat(s.resolveForContainer(r2.id()).layerDirs()).allMatch(Files::isDirectory);

    // a tag moves to the image it now names
    pusher.push("shared/app", "two", one);
    ImageRecord moved = s.pull(ref("shared/app:two"), null);
    assertThat(moved.id()).isEqualTo(r1.id());
    assertThat(s.status(r2.id()).orElseThrow().repoTags()).isEmpty();
    s.remove(r2.id());
    assertThat(entries(s.root().resolve("layers"))).hasSize(1);
    s.remove(ref("shared/app:two"));
    assertThat(entries(s.root().resolve("layers"))).isEmpty();
    assertThat(s.list(Optional.empty())).isEmpty();
  }

  /**
   * A pod pinning name:tag@digest (an older build the tag no longer names) beside one pulling
   * name:tag: the digest pull does not take the tag, so name:tag still finds what it names.
   */
  @Test
  void aTagAndDigestPullLeavesTheTagWithTheImageItNames() throws Exception {
    Layer extra =
        TestImages.layer(new TarBuilder().file("newer", "n", 0644).build(), Comp.GZIP, false);
    Image older = TestImages.image(TestImages.list(base), null, "amd64", false);
    Image newer = TestImages.image(TestImages.list(base, extra), null, "amd64", false);
    pusher.push("pinned/app", "old", older);
    pusher.push("pinned/app", "1.25", newer);
    ImageService s = service();
    ImageRecord current = s.pull(ref("pinned/app:1.25"), null);

    ImageRecord pinned = s.pull(ref("pinned/app:1.25@" + older.manifestDigest()), null);

    assertThat(pinned.id()).isNotEqualTo(current.id());
    assertThat(pinned.repoTags()).isEmpty();
    assertThat(pinned.repoDigests()).contains(ref("pinned/app@" + older.manifestDigest()));
    assertThat(s.status(ref("pinned/app:1.25")).orElseThrow().id()).isEqualTo(current.id());
    assertThat(s.status(ref("pinned/app:1.25@" + older.manifestDigest())).orElseThrow().id())
        .isEqualTo(pinned.id());
    s.remove(pinned.id());
    s.remove(current.id());
  }

  @Test
  void theOperatorsPinnedImagesAreReportedPinned() throws Exception {
    Image kept = TestImages.image(TestImages.list(base), "1000:1000", "amd64", false);
    Image other = TestImages.image(TestImages.list(base), "2000:2000", "amd64", false);
    pusher.push("keep/app", "v1", kept);
    pusher.push("other/app", "v1", other);
    ImageService s = service();
    s.pull(ref("keep/app:v1"), Credentials.NONE);
    s.pull(ref("other/app:v1"), Credentials.NONE);

    assertThat(s.list(Optional.empty())).noneMatch(ImageRecord::pinned);
    s.setPinnedImages(new PinnedImages(List.of(registry.host() + "/keep/*")));
    assertThat(s.status(ref("keep/app:v1")).orElseThrow().pinned()).isTrue();
    assertThat(s.status(ref("other/app:v1")).orElseThrow().pinned()).isFalse();
    assertThat(s.list(Optional.empty()))
        .filteredOn(ImageRecord::pinned)
        .extracting(ImageRecord::id)
        .containsExactly(kept.configDigest().toString());
    s.setPinnedImages(new PinnedImages(List.of("*other*", ref("keep/app:v2"))));
    assertThat(s.status(ref("other/app:v1")).orElseThrow().pinned()).isTrue();
    assertThat(s.status(ref("keep/app:v1")).orElseThrow().pinned()).isFalse();
  }

  @Test
  void survivesRestart() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("durable/app", "v1", img);
    pusher.push("pause", "3.10", img);
    Path root = tmp.resolve("store");
    ImageService first = service(root, null, null, Duration.ofSeconds(30));
    ImageRecord r = first.pull(ref("durable/app:v1"), null);
    assertThat(first.pull(ref("pause:3.10"), null).pinned()).isTrue();
    first.close();
    services.remove(first);

    ImageService second = service(root, null, null, Duration.ofSeconds(30));
    ImageRecord again = second.status(ref("durable/app:v1")).orElseThrow();
    assertThat(again.id()).isEqualTo(r.id());
    assertThat(again.repoTags()).contains(ref("durable/app:v1"), ref("pause:3.10"));
    assertThat(again.pinned()).isTrue();
    assertThat(second.resolveForContainer(r.id()).layerDirs()).allMatch(Files::isDirectory);
    second.remove(r.id());
    assertThat(second.list(Optional.empty())).isEmpty();
  }

  /**
   * OCI allows sha512 diff ids. Their layer directories must not break what lists the store: the
   * garbage collector, ImageFsInfo, and the next start of the service.
   */
  @Test
  void anImageOfSha512DiffIdsLeavesTheStoreUsable() throws Exception {
    byte[] tar = new TarBuilder().file("sha512", "x", 0644).build();
    Layer l = TestImages.layer(tar, Comp.GZIP, true);
    var sha512 = java.security.MessageDigest.getInstance("SHA-512");
    Layer wide =
        new Layer(
            l.blob(),
            l.digest(),
            new Digest("sha512", java.util.HexFormat.of().formatHex(sha512.digest(tar))),
            l.mediaType());
    Image img = TestImages.image(TestImages.list(base, wide), null, "amd64", true);
    pusher.push("wide/app", "v1", img);
    Path root = tmp.resolve("store");
    ImageService first = service(root, null, null, Duration.ofSeconds(30));
    ImageRecord r = first.pull(ref("wide/app:v1"), null);
    assertThat(first.resolveForContainer(r.id()).layerDirs().get(1).resolve("sha512"))
        .hasContent("x");
    assertThat(first.fsInfo().usedBytes()).isPositive();
    first.close();
    services.remove(first);

    ImageService second = service(root, null, null, Duration.ofSeconds(30));
    assertThat(second.status(r.id())).isPresent();
    second.remove(r.id());
    assertThat(second.list(Optional.empty())).isEmpty();
    assertThat(entries(root.resolve("layers"))).isEmpty();
  }

  /**
   * An image may list one layer twice (buildkit's empty layer; a COPY repeated): it is mounted
   * once, at its highest place, since overlayfs refuses a lowerdir given twice.
   */
  @Test
  void aLayerListedTwiceIsMountedOnceAtItsHighestPlace() throws Exception {
    Layer f1 =
        TestImages.layer(new TarBuilder().file("etc/f", "one", 0644).build(), Comp.GZIP, true);
    Layer f2 =
        TestImages.layer(new TarBuilder().file("etc/f", "two", 0644).build(), Comp.GZIP, true);
    Image img = TestImages.image(TestImages.list(base, f1, f2, f1), null, "amd64", true);
    pusher.push("twice/app", "v1", img);
    ImageService s = service();
    ImageRecord r = s.pull(ref("twice/app:v1"), null);
    assertThat(r.layers()).hasSize(4);
    ImageRootfs rootfs = s.resolveForContainer(r.id());
    assertThat(rootfs.layerDirs()).hasSize(3).doesNotHaveDuplicates();

    io.caisson.storage.OverlayRootfs overlay =
        new io.caisson.storage.OverlayRootfs(tmp.resolve("containers"));
    Path merged = tmp.resolve("merged");
    overlay.mount("c1", rootfs.shortLayerDirs(), merged);
    try {
      assertThat(merged.resolve("etc/f")).hasContent("one");
      assertThat(merged.resolve("etc/passwd")).exists();
    } finally {
      io.caisson.storage.OverlayRootfs.unmount(merged);
    }
  }

  @Test
  void corruptedBlobFailsCleanly() throws Exception {
    Layer victim =
        TestImages.layer(
            new TarBuilder().file("victim", "v".repeat(10000), 0644).build(), Comp.GZIP, false);
    Image img = TestImages.image(TestImages.list(base, victim), null, "amd64", false);
    pusher.push("corrupt/app", "v1", img);
    Path stored = registry.blobFile(victim.digest());
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(stored, bytes);

    ImageService s = service();
    assertThatThrownBy(() -> s.pull(ref("corrupt/app:v1"), null))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains(victim.digest().toString()).contains("digest");
            });
    assertThat(s.list(Optional.empty())).isEmpty();
    assertThat(entries(s.root().resolve("images"))).isEmpty();
    assertThat(entries(s.root().resolve("layers"))).isEmpty();
    assertThat(entries(s.root().resolve("l"))).isEmpty();
  }

  @Test
  void aLayerThatMatchesItsDigestButIsNoTarIsTheImagesFault() throws Exception {
    byte[] tar = new TarBuilder().file("big", "b".repeat(5000), 0644).build();
    Layer truncated = TestImages.layer(java.util.Arrays.copyOf(tar, 512 + 1000), Comp.GZIP, false);
    Image img = TestImages.image(TestImages.list(base, truncated), null, "amd64", false);
    pusher.push("truncated/app", "v1", img);

    ImageService s = service();
    assertThatThrownBy(() -> s.pull(ref("truncated/app:v1"), null))
        .isInstanceOfSatisfying(
            CaissonException.class,
            e -> {
              // Not UNAVAILABLE: pulling again cannot help.
              assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
              assertThat(e.getMessage())
                  .contains("layer " + truncated.digest() + " is not a valid layer archive")
                  .contains("Truncated TAR archive");
            });
    assertThat(s.list(Optional.empty())).isEmpty();
    assertThat(entries(s.root().resolve("layers"))).isEmpty();
  }

  @Test
  void interruptedPullLeavesNothingAndRetrySucceeds() throws Exception {
    Image img = TestImages.image(TestImages.list(base, big), null, "amd64", false);
    pusher.push("flaky/app", "v1", img);
    try (FlakyProxy proxy = new FlakyProxy(registry.port)) {
      ImageService s = service();
      String viaProxy = proxy.host() + "/flaky/app:v1";
      proxy.arm(FlakyProxy.Mode.CUT, 500_000);
      assertThat(kindOf(() -> s.pull(viaProxy, null))).isEqualTo(Kind.UNAVAILABLE);
      assertThat(s.list(Optional.empty())).isEmpty();
      assertThat(entries(s.root().resolve("layers"))).isEmpty();
      proxy.disarm();
      ImageRecord r = s.pull(viaProxy, null);
      assertThat(r.id()).isEqualTo(img.configDigest().toString());
      assertThat(s.resolveForContainer(r.id()).layerDirs().get(1).resolve("big")).hasSize(3 << 20);
    }
  }

  @Test
  void stalledPullIsCancelledWithAClearError() throws Exception {
    Image img = TestImages.image(TestImages.list(big), null, "amd64", false);
    pusher.push("stall/app", "v1", img);
    try (FlakyProxy proxy = new FlakyProxy(registry.port)) {
      ImageService s = service(tmp.resolve("store"), null, null, Duration.ofSeconds(2));
      proxy.arm(FlakyProxy.Mode.STALL, 300_000);
      long start = System.nanoTime();
      assertThatThrownBy(() -> s.pull(proxy.host() + "/stall/app:v1", null))
          .isInstanceOfSatisfying(
              CaissonException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.DEADLINE_EXCEEDED);
                assertThat(e.getMessage()).contains("no data").contains("2s");
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(entries(s.root().resolve("layers"))).isEmpty();
    }
  }

  @Test
  void concurrentIdenticalPullsDoTheWorkOnce() throws Exception {
    Image img = TestImages.image(TestImages.list(base, big), null, "amd64", false);
    pusher.push("concurrent/app", "v1", img);
    try (FlakyProxy proxy = new FlakyProxy(registry.port);
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      ImageService s = service();
      String r = proxy.host() + "/concurrent/app:v1";
      List<Future<ImageRecord>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(pool.submit((Callable<ImageRecord>) () -> s.pull(r, Credentials.NONE)));
      }
      for (Future<ImageRecord> f : results) {
        assertThat(f.get().id()).isEqualTo(img.configDigest().toString());
      }
      assertThat(proxy.blobGets.get()).isEqualTo(3); // config + 2 layers
      assertThat(proxy.manifestGets.get()).isEqualTo(1);
    }
  }

  @Test
  void aSharedLayerWhoseDownloadFailedForOnePullIsFetchedByTheOtherItself() throws Exception {
    // One tar, two blobs of it: the images share the diff id, each has its own blob.
    byte[] random = new byte[2 << 20];
    new Random(7).nextBytes(random);
    byte[] tar = new TarBuilder().file("shared", random, 0644, 0, 0).build();
    Layer good = TestImages.layer(tar, Comp.GZIP, true);
    Layer bad = TestImages.layer(tar, Comp.ZSTD, true);
    assertThat(good.diffId()).isEqualTo(bad.diffId());
    Image fine = TestImages.image(TestImages.list(good), null, "amd64", true);
    Image broken = TestImages.image(TestImages.list(bad), "1000", "amd64", true);
    pusher.push("shared/fine", "v1", fine);
    pusher.push("shared/broken", "v1", broken);
    Path stored = registry.blobFile(bad.digest());
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(stored, bytes);

    try (FlakyProxy slow = new FlakyProxy(registry.port);
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      ImageService s = service();
      // The broken image's layer download starts, and is held up midway...
      slow.arm(FlakyProxy.Mode.HOLD, 200_000);
      Future<ImageRecord> brokenPull =
          pool.submit(() -> s.pull(slow.host() + "/shared/broken:v1", Credentials.NONE));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (slow.blobGets.get() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(slow.blobGets.get()).isEqualTo(2); // its config, then its layer
      // ...while the fine image's pull comes to the same layer and waits for that download...
      Future<ImageRecord> finePull =
          pool.submit(() -> s.pull(ref("shared/fine:v1"), Credentials.NONE));
      Thread.sleep(1500);
      // ...which then fails on its corrupt blob.
      slow.disarm();

      assertThatThrownBy(brokenPull::get)
          .cause()
          .isInstanceOfSatisfying(
              CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION))
          .hasMessageContaining(bad.digest().toString());
      ImageRecord r = finePull.get();
      assertThat(r.id()).isEqualTo(fine.configDigest().toString());
      assertThat(s.resolveForContainer(r.id()).layerDirs().getFirst().resolve("shared"))
          .hasSize(2 << 20);
    }
  }

  @Test
  void registriesConfMirrorsThenRewrittenUpstream() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("mirrored/app", "v1", img);
    int deadPort = TestRegistry.freePort();
    ImageService s =
        serviceFollowing(
            """
            [[registry]]
            prefix = "registry.example.invalid"
            location = "%s"
            [[registry.mirror]]
            location = "127.0.0.1:%d"
            [[registry]]
            prefix = "blocked.example.invalid"
            blocked = true
            """
                .formatted(registry.host(), deadPort));
    ImageRecord r = s.pull("registry.example.invalid/mirrored/app:v1", null);
    assertThat(r.repoTags()).containsExactly("registry.example.invalid/mirrored/app:v1");
    assertThat(kindOf(() -> s.pull("registry.example.invalid/mirrored/none:v1", null)))
        .isEqualTo(Kind.NOT_FOUND);
    assertThat(kindOf(() -> s.pull("blocked.example.invalid/x:y", null)))
        .isEqualTo(Kind.FAILED_PRECONDITION);
    assertThat(kindOf(() -> s.pull("Bad/Ref", null))).isEqualTo(Kind.INVALID_ARGUMENT);
  }

  @Test
  void aMirrorAnsweringWithNoManifestIsPassedOverForTheNextEndpoint() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("mirrored/broken", "v1", img);
    // One server for three broken mirrors, told apart by their path: a proxy's HTML page, JSON
    // cut short, a Docker schema 1 manifest.
    AtomicInteger asked = new AtomicInteger();
    HttpServer broken = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    broken.createContext(
        "/v2/",
        ex -> {
          asked.incrementAndGet();
          String path = ex.getRequestURI().getPath();
          String[] answer =
              path.startsWith("/v2/html/")
                  ? new String[] {"text/html", "<html><body>Sign in to the proxy</body></html>"}
                  : path.startsWith("/v2/json/")
                      ? new String[] {Manifests.OCI_MANIFEST, "{\"schemaVersion\": 2, \"config\""}
                      : new String[] {
                        "application/vnd.docker.distribution.manifest.v1+prettyjws",
                        "{\"schemaVersion\": 1, \"name\": \"x\", \"fsLayers\": []}"
                      };
          byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", answer[0]);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    broken.start();
    try {
      String mirror = "127.0.0.1:" + broken.getAddress().getPort();
      ImageService s =
          serviceFollowing(
              """
              [[registry]]
              prefix = "registry.example.invalid"
              location = "%1$s"
              [[registry.mirror]]
              location = "%2$s/html"
              [[registry.mirror]]
              location = "%2$s/json"
              [[registry.mirror]]
              location = "%2$s/schema1"
              """
                  .formatted(registry.host(), mirror));

      ImageRecord r = s.pull("registry.example.invalid/mirrored/broken:v1", null);
      assertThat(r.id()).isEqualTo(img.configDigest().toString());
      assertThat(asked.get()).isEqualTo(3);

      // Found nowhere: every mirror's failure is in the error, the location's kind decides.
      assertThatThrownBy(() -> s.pull("registry.example.invalid/mirrored/none:v1", null))
          .isInstanceOfSatisfying(
              CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
          .hasMessageContaining(mirror + "/html/mirrored/none: manifest is not valid JSON")
          .hasMessageContaining("schema 1 manifests are not supported")
          .hasMessageContaining(registry.host() + "/mirrored/none: ");
      // A reference that is none is still refused before any endpoint is asked.
      int before = asked.get();
      assertThat(kindOf(() -> s.pull("registry.example.invalid/Bad:v1", null)))
          .isEqualTo(Kind.INVALID_ARGUMENT);
      assertThat(asked.get()).isEqualTo(before);
    } finally {
      broken.stop(0);
    }
  }

  @Test
  void shortNamesArePulledFromTheSearchRegistriesInTurnAndFoundByTheSameName() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("short/app", "v1", img);
    int deadPort = TestRegistry.freePort();
    ImageService s =
        serviceFollowing(
            """
            unqualified-search-registries = ["127.0.0.1:%d", "%s"]
            [aliases]
            "aliased" = "%s/short/app"
            """
                .formatted(deadPort, registry.host(), registry.host()));

    // The first search registry does not answer; the second has it, under its own name.
    ImageRecord pulled = s.pull("short/app:v1", null);
    assertThat(pulled.repoTags()).containsExactly(ref("short/app:v1"));
    // kubelet asks for the image by the name in the pod spec: the same resolution finds it.
    assertThat(s.status("short/app:v1").map(ImageRecord::id)).contains(pulled.id());
    assertThat(s.pull("aliased:v1", null).id()).isEqualTo(pulled.id());
    assertThat(s.status("aliased:v1").map(ImageRecord::id)).contains(pulled.id());

    // Found nowhere: the error names every registry tried.
    assertThatThrownBy(() -> s.pull("short/none:v1", null))
        .isInstanceOfSatisfying(
            CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
        .hasMessageContaining("127.0.0.1:" + deadPort + "/short/none:v1")
        .hasMessageContaining(ref("short/none:v1") + ": ");
    s.remove("short/app:v1");
    assertThat(s.status(ref("short/app:v1"))).isEmpty();
  }

  @Test
  void basicAuthThroughHtpasswd() throws Exception {
    Path dir = Files.createTempDirectory("caisson-registry-basic");
    Process p =
        new ProcessBuilder("htpasswd", "-Bbn", "alice", "s3cret").redirectErrorStream(true).start();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor()).isZero();
    Files.writeString(dir.resolve("htpasswd"), line + "\n");
    String yaml =
        """
        auth:
          htpasswd:
            realm: caisson-test
            path: %s
        """
            .formatted(dir.resolve("htpasswd"));
    try (TestRegistry secured = new TestRegistry(dir, yaml)) {
      String basic =
          "Basic "
              + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
      new Pusher(secured.host(), basic).push("private/app", "v1", img);
      String ref = secured.host() + "/private/app:v1";

      ImageService s = service();
      assertThatThrownBy(() -> s.pull(ref, Credentials.NONE))
          .isInstanceOfSatisfying(
              CaissonException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
                assertThat(e.getMessage()).contains("no credentials");
              });
      assertThatThrownBy(() -> s.pull(ref, Credentials.basic("alice", "wrong")))
          .isInstanceOfSatisfying(
              CaissonException.class, e -> assertThat(e.getMessage()).doesNotContain("wrong"));
      // credentials issued for another registry are withheld, those for this one are sent
      Credentials forOther = new Credentials("alice", "s3cret", null, null, null, "other.example");
      assertThat(kindOf(() -> s.pull(ref, forOther))).isEqualTo(Kind.FAILED_PRECONDITION);
      Credentials forThis =
          new Credentials("alice", "s3cret", null, null, null, "http://" + secured.host() + "/v2/");
      assertThat(s.pull(ref, forThis).id()).isEqualTo(img.configDigest().toString());
      s.remove(ref);
      assertThat(s.pull(ref, Credentials.basic("alice", "s3cret")).id())
          .isEqualTo(img.configDigest().toString());
      s.remove(ref);
      String auth =
          Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      assertThat(s.pull(ref, new Credentials(null, null, auth, null, null)).id())
          .isEqualTo(img.configDigest().toString());

      // node-wide credentials from an auth file when the request has none
      Path authFile = tmp.resolve("auth.json");
      Files.writeString(
          authFile, "{\"auths\":{\"" + secured.host() + "/private\":{\"auth\":\"" + auth + "\"}}}");
      ImageService withFile =
          service(tmp.resolve("store2"), null, authFile, Duration.ofSeconds(30));
      assertThat(withFile.pull(ref, null).id()).isEqualTo(img.configDigest().toString());

      // A credential helper named for the registry wins over "auths" (whose entry is wrong here).
      Path helpers = Files.createDirectories(tmp.resolve("helpers"));
      Path helper =
          Files.writeString(
              helpers.resolve("docker-credential-caisson-test"),
              """
              #!/bin/sh
              [ "$1" = get ] || exit 2
              read -r server
              if [ "$server" != "%s" ]; then
                echo "credentials not found in native keychain"; exit 1
              fi
              echo '{"ServerURL": "%s", "Username": "alice", "Secret": "s3cret"}'
              """
                  .formatted(secured.host(), secured.host()));
      Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
      String wrong =
          Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8));
      Path helperAuth = tmp.resolve("helper-auth.json");
      Files.writeString(
          helperAuth,
          "{\"credHelpers\": {\"%s\": \"caisson-test\"}, \"auths\": {\"%s\": {\"auth\": \"%s\"}}}"
              .formatted(secured.host(), secured.host(), wrong));
      ImageService withHelper = serviceWithPath(tmp.resolve("store3"), null, helperAuth, helpers);
      assertThat(withHelper.pull(ref, null).id()).isEqualTo(img.configDigest().toString());
      // A helper with nothing for the registry: the pull goes on without credentials.
      Files.writeString(
          helperAuth, "{\"credHelpers\": {\"%s\": \"absent\"}}".formatted(secured.host()));
      ImageService noHelper = serviceWithPath(tmp.resolve("store4"), null, helperAuth, helpers);
      assertThatThrownBy(() -> noHelper.pull(ref, null)).hasMessageContaining("no credentials");
      // registries.conf's credential-helpers ask the helper for every registry, with no auth file.
      Path conf =
          Files.writeString(
              tmp.resolve("helpers.conf"), "credential-helpers = [\"absent\", \"caisson-test\"]\n");
      ImageService viaConf = serviceWithPath(tmp.resolve("store5"), conf, null, helpers);
      assertThat(viaConf.pull(ref, null).id()).isEqualTo(img.configDigest().toString());
    }
  }

  /** A service whose credential helpers are looked for in {@code path} alone. */
  private ImageService serviceWithPath(Path root, Path registriesConf, Path authFile, Path path) {
    ImageService s =
        new ImageService(
            root,
            registriesConf,
            authFile,
            null,
            Map.of("PATH", path.toString()),
            registry.host() + "/pause:3.10",
            Duration.ofSeconds(30),
            3,
            Platform.host());
    services.add(s);
    return s;
  }

  @Test
  void aRegistryOfItsOwnCaAndClientCertificatesThroughItsTlsDirectory() throws Exception {
    Path pki = Files.createDirectories(tmp.resolve("pki"));
    openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key");
    openssl(pki, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-csr");
    Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(pki, "x509", "-req", "-in", "server.csr", "-out", "server.crt", "-extfile", "san.ext");
    // The client's key as openssl writes an EC key by default: SEC1, not PKCS#8.
    openssl(pki, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key");
    openssl(pki, "req", "-new", "-key", "client.key", "-out", "client.csr", "-subj", "/CN=node");
    openssl(pki, "x509", "-req", "-in", "client.csr", "-out", "client.cert");
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("tls/app", "v1", img);
    String tls =
        """
          tls:
            certificate: %s
            key: %s
            clientcas:
              - %s
        """
            .formatted(pki.resolve("server.crt"), pki.resolve("server.key"), pki.resolve("ca.crt"));
    // The same storage as the plain registry, served over TLS with client certificates required.
    try (TestRegistry secured =
        new TestRegistry(tmp.resolve("tls-registry"), null, registryDir.resolve("storage"), tls)) {
      String ref = secured.host() + "/tls/app:v1";
      Path certsDir = tmp.resolve("certs.d");
      Path hostDir = certsDir.resolve(secured.host());
      ImageService s =
          new ImageService(
              tmp.resolve("store"),
              null,
              null,
              certsDir,
              Map.of(),
              null,
              Duration.ofSeconds(30),
              2,
              Platform.host());
      services.add(s);
      // Without a directory a loopback registry is spoken to in plain http: refused by TLS.
      assertThatThrownBy(() -> s.pull(ref, null)).isInstanceOf(CaissonException.class);
      // Its CA but no client certificate: the registry ends the handshake.
      Files.createDirectories(hostDir);
      Files.copy(pki.resolve("ca.crt"), hostDir.resolve("ca.crt"));
      assertThatThrownBy(() -> s.pull(ref, null)).isInstanceOf(CaissonException.class);
      // With the client certificate as well.
      Files.copy(pki.resolve("client.cert"), hostDir.resolve("client.cert"));
      Files.copy(pki.resolve("client.key"), hostDir.resolve("client.key"));
      assertThat(s.pull(ref, null).id()).isEqualTo(img.configDigest().toString());
      s.remove(ref);
      // A key without its certificate is a broken directory, named as such.
      Files.copy(pki.resolve("server.key"), hostDir.resolve("stray.key"));
      assertThatThrownBy(() -> s.pull(ref, null))
          .isInstanceOfSatisfying(
              CaissonException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
                assertThat(e.getMessage()).contains("stray.key");
              });
    }
  }

  @Test
  void anInsecureRegistryIsTriedOverTlsOfAnyCertificateThenOverPlainHttp() throws Exception {
    // Self-signed, for a name the registry does not have: nothing of it can be verified.
    Path pki = Files.createDirectories(tmp.resolve("self-signed"));
    OpenSsl.run(
        pki,
        List.of(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.crt",
            "-subj",
            "/CN=elsewhere.invalid",
            "-days",
            "2"));
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("insecure/app", "v1", img);
    String tls =
        """
          tls:
            certificate: %s
            key: %s
        """
            .formatted(pki.resolve("server.crt"), pki.resolve("server.key"));
    try (TestRegistry selfSigned =
        new TestRegistry(tmp.resolve("tls-registry"), null, registryDir.resolve("storage"), tls)) {
      ImageService s =
          serviceFollowing(
              """
              [[registry]]
              location = "%s"
              insecure = true
              [[registry]]
              location = "%s"
              insecure = true
              """
                  .formatted(selfSigned.host(), registry.host()));
      assertThat(s.pull(selfSigned.host() + "/insecure/app:v1", null).id())
          .isEqualTo(img.configDigest().toString());
      s.remove(img.configDigest().toString());
      // A plain http registry refuses the TLS handshake at once: then http, for the whole pull.
      long start = System.nanoTime();
      assertThat(s.pull(ref("insecure/app:v1"), null).id())
          .isEqualTo(img.configDigest().toString());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

      // Not marked insecure, its certificate is checked (and a loopback one is spoken to in http).
      ImageService strict = service(tmp.resolve("strict"), null, null, Duration.ofSeconds(10));
      assertThat(kindOf(() -> strict.pull(selfSigned.host() + "/insecure/app:v1", null)))
          .isNotNull();
    }
  }

  @Test
  void pullsGoThroughTheProxyTheEnvironmentNames() throws Exception {
    Image img = TestImages.image(TestImages.list(base), null, "amd64", false);
    pusher.push("proxied/app", "v1", img);
    // A registry name that resolves nowhere: only the proxy (a pipe to the registry) reaches it.
    String name = "registry.test:" + registry.port;
    Path conf =
        Files.writeString(
            tmp.resolve("registries.conf"),
            "[[registry]]\nlocation = \"%s\"\ninsecure = true\n".formatted(name));
    try (FlakyProxy proxy = new FlakyProxy(registry.port)) {
      ImageService s =
          new ImageService(
              tmp.resolve("store"),
              conf,
              null,
              null,
              Map.of("http_proxy", "http://" + proxy.host(), "NO_PROXY", "example.com,10.0.0.0/8"),
              null,
              Duration.ofSeconds(30),
              2,
              Platform.host());
      services.add(s);
      assertThat(s.pull(name + "/proxied/app:v1", null).id())
          .isEqualTo(img.configDigest().toString());
      assertThat(proxy.manifestGets.get()).isPositive();
      assertThat(proxy.blobGets.get()).isPositive();

      // A proxy the JDK's client cannot speak fails the pull instead of going around it.
      ImageService socks =
          new ImageService(
              tmp.resolve("store-socks"),
              conf,
              null,
              null,
              Map.of("HTTP_PROXY", "socks5://" + proxy.host()),
              null,
              Duration.ofSeconds(30),
              2,
              Platform.host());
      services.add(socks);
      int before = proxy.manifestGets.get();
      assertThatThrownBy(() -> socks.pull(name + "/proxied/app:v1", null))
          .isInstanceOfSatisfying(
              CaissonException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION);
                assertThat(e.getMessage()).contains("HTTP_PROXY", "socks5");
              });
      assertThat(proxy.manifestGets.get()).isEqualTo(before);
    }
  }

  /**
   * openssl in {@code dir}; requests are self-signed as the CA (req -x509), CSRs (-csr) or signed
   * by it (x509 -req), each valid two days.
   */
  private static void openssl(Path dir, String... args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    if (rest.contains("-x509") && rest.getFirst().equals("req")) {
      rest.addAll(List.of("-out", "ca.crt", "-subj", "/CN=caisson test CA", "-days", "2"));
    } else if (rest.remove("-csr")) {
      rest.addAll(List.of("-out", "server.csr", "-subj", "/CN=127.0.0.1"));
    } else if (rest.getFirst().equals("x509")) {
      rest.addAll(List.of("-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"));
    }
    OpenSsl.run(dir, rest);
  }

  @Test
  void tokenRequestsFollowRedirectsAndCredentialsStayWithTheirHost() throws Exception {
    Path dir = Files.createTempDirectory("caisson-registry-token-redirect");
    try (TokenServer tokens = new TokenServer(dir.resolve("token"), "bob", "hunter2");
        TestRegistry secured =
            new TestRegistry(
                dir.resolve("registry"),
                tokens.registryAuthYaml().replace(tokens.realm(), tokens.frontRealm()))) {
      Image img = TestImages.image(TestImages.list(base), null, "amd64", true);
      new Pusher(secured.host(), "Bearer " + tokens.mint("redir/app", "pull,push"))
          .push("redir/app", "v1", img);
      String ref = secured.host() + "/redir/app:v1";
      Credentials bob = Credentials.basic("bob", "hunter2");
      ImageService s = service();

      // Moved within its host: followed, with the credentials.
      tokens.front = TokenServer.Front.REDIRECT;
      ImageRecord r = s.pull(ref, bob);
      assertThat(r.id()).isEqualTo(img.configDigest().toString());
      assertThat(tokens.issued.get()).isEqualTo(1);
      s.remove(r.id());

      // Sent to another host: followed without them, and the error says so.
      tokens.front = TokenServer.Front.REDIRECT_ELSEWHERE;
      assertThatThrownBy(() -> s.pull(ref, bob))
          .isInstanceOfSatisfying(
              CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION))
          .hasMessageContaining("(HTTP 401)")
          .hasMessageContaining("credentials not sent: it redirected the request to another host");
      assertThat(tokens.refused.get()).isEqualTo(1);
      assertThat(tokens.issued.get()).isEqualTo(1);

      // A service that keeps redirecting is given up on.
      tokens.front = TokenServer.Front.LOOP;
      assertThatThrownBy(() -> s.pull(ref, bob)).hasMessageContaining("after 5 redirects");

      // A failing token service is named as such, credentials or none.
      tokens.front = TokenServer.Front.FAIL;
      for (Credentials c : List.of(bob, Credentials.NONE)) {
        assertThatThrownBy(() -> s.pull(ref, c))
            .isInstanceOfSatisfying(
                CaissonException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
            .hasMessageContaining("(HTTP 503): token backend down")
            .hasMessageNotContaining("no credentials given")
            .hasMessageNotContaining("credentials rejected");
      }
    } finally {
      try (Stream<Path> st = Files.walk(dir)) {
        st.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void bearerTokenAuthScopedToOnePull() throws Exception {
    Path dir = Files.createTempDirectory("caisson-registry-token");
    try (TokenServer tokens = new TokenServer(dir.resolve("token"), "bob", "hunter2");
        TestRegistry secured =
            new TestRegistry(dir.resolve("registry"), tokens.registryAuthYaml())) {
      Image img = TestImages.image(TestImages.list(base, big), null, "amd64", true);
      new Pusher(secured.host(), "Bearer " + tokens.mint("tok/app", "pull,push"))
          .push("tok/app", "v1", img);
      String ref = secured.host() + "/tok/app:v1";
      ImageService s = service();

      assertThat(kindOf(() -> s.pull(ref, Credentials.NONE))).isEqualTo(Kind.FAILED_PRECONDITION);
      assertThat(tokens.refused.get()).isEqualTo(1);
      ImageRecord r = s.pull(ref, Credentials.basic("bob", "hunter2"));
      assertThat(r.id()).isEqualTo(img.configDigest().toString());
      assertThat(tokens.issued.get()).isEqualTo(1); // one token serves the whole pull
      s.remove(r.id());

      // the token of the pull above is not reused by a pull without credentials
      assertThat(kindOf(() -> s.pull(ref, Credentials.NONE))).isEqualTo(Kind.FAILED_PRECONDITION);
      assertThat(tokens.refused.get()).isEqualTo(2);

      // a registry token from the request is used as is
      String token = tokens.mint("tok/app", "pull");
      assertThat(s.pull(ref, new Credentials(null, null, null, null, token)).id())
          .isEqualTo(r.id());
      assertThat(tokens.issued.get()).isEqualTo(1);
    } finally {
      try (Stream<Path> st = Files.walk(dir)) {
        st.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
