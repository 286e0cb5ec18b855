package io.caisson.image;

import com.github.luben.zstd.Zstd;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Builds images in memory and pushes them with the distribution API (POST/PUT uploads). */
final class TestImages {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  enum Comp {
    GZIP,
    ZSTD,
    NONE
  }

  record Layer(byte[] blob, Digest digest, Digest diffId, String mediaType) {}

  record Image(
      List<Layer> layers,
      byte[] config,
      Digest configDigest,
      byte[] manifest,
      String manifestType) {
    Digest manifestDigest() {
      return Digest.sha256(manifest);
    }
  }

  static Layer layer(byte[] tar, Comp comp, boolean oci) throws IOException {
    byte[] blob =
        switch (comp) {
          case GZIP -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
              gz.write(tar);
            }
            yield out.toByteArray();
          }
          case ZSTD -> Zstd.compress(tar);
          case NONE -> tar;
        };
    String type =
        oci
            ? switch (comp) {
              case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
              case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
              case NONE -> "application/vnd.oci.image.layer.v1.tar";
            }
            : "application/vnd.docker.image.rootfs.diff.tar.gzip";
    return new Layer(blob, Digest.sha256(blob), Digest.sha256(tar), type);
  }

  static Image image(List<Layer> layers, String user, String arch, boolean oci) throws IOException {
    JsonObject config = new JsonObject();
    config.put("architecture", arch).put("os", "linux");
    JsonObject c = config.putObject("config");
    c.putArray("Env").add("PATH=/usr/bin:/bin").add("FOO=bar");
    c.putArray("Cmd").add("sh");
    c.putArray("Entrypoint").add("/entry");
    c.put("WorkingDir", "/work");
    c.put("StopSignal", "SIGQUIT");
    if (user != null) {
      c.put("User", user);
    }
    c.putObject("Labels").put("arch", arch);
    c.putObject("ExposedPorts").putObject("80/tcp");
    c.putObject("Volumes").putObject("/data");
    JsonObject rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    JsonArray diffIds = rootfs.putArray("diff_ids");
    layers.forEach(l -> diffIds.add(l.diffId().toString()));
    byte[] configBytes = JsonRecords.STANDARD.bytes(config);
    Digest configDigest = Digest.sha256(configBytes);

    String manifestType = oci ? Manifests.OCI_MANIFEST : Manifests.DOCKER_MANIFEST;
    JsonObject m = new JsonObject();
    m.put("schemaVersion", 2).put("mediaType", manifestType);
    m.putObject("config")
        .put(
            "mediaType",
            oci
                ? "application/vnd.oci.image.config.v1+json"
                : "application/vnd.docker.container.image.v1+json")
        .put("digest", configDigest.toString())
        .put("size", configBytes.length);
    JsonArray ls = m.putArray("layers");
    for (Layer l : layers) {
      ls.addObject()
          .put("mediaType", l.mediaType())
          .put("digest", l.digest().toString())
          .put("size", l.blob().length);
    }
    return new Image(
        layers, configBytes, configDigest, JsonRecords.STANDARD.bytes(m), manifestType);
  }

  /** An index over images, each entry tagged with its config's architecture. */
  static byte[] index(List<Image> images, List<String> arches, boolean oci) throws IOException {
    JsonObject idx = new JsonObject();
    idx.put("schemaVersion", 2).put("mediaType", oci ? Manifests.OCI_INDEX : Manifests.DOCKER_LIST);
    JsonArray ms = idx.putArray("manifests");
    for (int i = 0; i < images.size(); i++) {
      Image im = images.get(i);
      JsonObject d =
          ms.addObject()
              .put("mediaType", im.manifestType())
              .put("digest", im.manifestDigest().toString())
              .put("size", im.manifest().length);
      String[] p = arches.get(i).split("/");
      JsonObject plat = d.putObject("platform").put("os", p[0]).put("architecture", p[1]);
      if (p.length > 2) {
        plat.put("variant", p[2]);
      }
    }
    return JsonRecords.STANDARD.bytes(idx);
  }

  /** Pushes with a fixed Authorization header value (or none). */
  record Pusher(String host, String authorization) {
    void push(String repo, String tag, Image image) throws Exception {
      for (Layer l : image.layers()) {
        blob(repo, l.blob(), l.digest());
      }
      blob(repo, image.config(), image.configDigest());
      manifest(repo, tag, image.manifest(), image.manifestType());
    }

    void blob(String repo, byte[] data, Digest digest) throws Exception {
      HttpResponse<String> post =
          send(
              req("/v2/" + repo + "/blobs/uploads/")
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build());
      check(post, 202);
      String location = post.headers().firstValue("Location").orElseThrow();
      URI uri = URI.create("http://" + host + "/").resolve(location);
      String sep = uri.toString().contains("?") ? "&" : "?";
      HttpRequest.Builder put =
          HttpRequest.newBuilder(URI.create(uri + sep + "digest=" + digest))
              .header("Content-Type", "application/octet-stream")
              .PUT(HttpRequest.BodyPublishers.ofByteArray(data));
      if (authorization != null) {
        put.header("Authorization", authorization);
      }
      check(send(put.build()), 201);
    }

    void manifest(String repo, String reference, byte[] body, String type) throws Exception {
      check(
          send(
              req("/v2/" + repo + "/manifests/" + reference)
                  .header("Content-Type", type)
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build()),
          201);
    }

    private HttpRequest.Builder req(String path) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + path));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      return b;
    }

    private static HttpResponse<String> send(HttpRequest r) throws Exception {
      return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r, int expected) {
      if (r.statusCode() != expected) {
        throw new IllegalStateException(
            r.request().method() + " " + r.uri() + " -> " + r.statusCode() + " " + r.body());
      }
    }
  }

  static List<Layer> list(Layer... layers) {
    return new ArrayList<>(List.of(layers));
  }
}
