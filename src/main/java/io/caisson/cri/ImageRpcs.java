package io.caisson.cri;

import io.caisson.common.CaissonException;
import io.caisson.cri.v1.AuthConfig;
import io.caisson.cri.v1.FilesystemIdentifier;
import io.caisson.cri.v1.FilesystemUsage;
import io.caisson.cri.v1.Image;
import io.caisson.cri.v1.ImageFsInfoResponse;
import io.caisson.cri.v1.ImageSpec;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.ImageStatusResponse;
import io.caisson.cri.v1.Int64Value;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListImagesResponse;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.PullImageResponse;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.RemoveImageResponse;
import io.caisson.cri.v1.UInt64Value;
import io.caisson.image.Credentials;
import io.caisson.image.FsUsage;
import io.caisson.image.ImageRecord;
import io.caisson.image.ImageService;
import io.caisson.stats.DirUsage;
import io.caisson.storage.WritableLayerUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** ListImages, ImageStatus, PullImage, RemoveImage, ImageFsInfo over the image store. */
public final class ImageRpcs {
  private final ImageService images;
  private final WritableLayerUsage writableLayers;
  private final Path writableLayersMount;

  /**
   * @param writableLayers containers' writable layers: ImageFsInfo's container filesystem, which
   *     kubelet compares with the image filesystem to know whether the node splits them
   * @param writableLayersMount the mount point of the filesystem they are on
   */
  public ImageRpcs(
      ImageService images, WritableLayerUsage writableLayers, Path writableLayersMount) {
    this.images = images;
    this.writableLayers = writableLayers;
    this.writableLayersMount = writableLayersMount;
  }

  ListImagesResponse list(ListImagesRequest request) {
    String filter = request.getFilter().getImage().getImage();
    ListImagesResponse.Builder response = ListImagesResponse.newBuilder();
    for (ImageRecord record : images.list(Optional.of(filter).filter(f -> !f.isBlank()))) {
      response.addImages(toProto(record));
    }
    return response.build();
  }

  ImageStatusResponse status(ImageStatusRequest request) {
    String ref = requireRef(request.getImage());
    ImageStatusResponse.Builder response = ImageStatusResponse.newBuilder();
    images
        .status(ref)
        .ifPresent(
            record -> {
              response.setImage(toProto(record));
              if (request.getVerbose()) {
                images
                    .configJson(ref)
                    .ifPresent(json -> response.putInfo("info", imageInfo(record, json)));
              }
            });
    return response.build();
  }

  private static String imageInfo(ImageRecord record, String configJson) {
    try {
      return VerboseInfo.image(record, configJson);
    } catch (IOException e) {
      throw CaissonException.internal("cannot read the config of " + record.id(), e);
    }
  }

  PullImageResponse pull(PullImageRequest request) {
    String ref = requireRef(request.getImage());
    ImageRecord record = images.pull(ref, credentials(request.getAuth()));
    return PullImageResponse.newBuilder().setImageRef(record.id()).build();
  }

  RemoveImageResponse remove(RemoveImageRequest request) {
    images.remove(requireRef(request.getImage()));
    return RemoveImageResponse.getDefaultInstance();
  }

  ImageFsInfoResponse fsInfo() {
    return ImageFsInfoResponse.newBuilder()
        .addImageFilesystems(toProto(images.fsInfo()))
        .addContainerFilesystems(toProto(writableLayersUsage()))
        .build();
  }

  /** Bytes and inodes of all writable layers (each at most 10 s old), on their filesystem. */
  private FsUsage writableLayersUsage() {
    try {
      DirUsage all = writableLayers.all();
      return new FsUsage(
          System.currentTimeMillis() * 1_000_000L, writableLayersMount, all.bytes(), all.inodes());
    } catch (IOException e) {
      throw CaissonException.internal("cannot measure the writable layers", e);
    }
  }

  private static FilesystemUsage toProto(FsUsage usage) {
    return FilesystemUsage.newBuilder()
        .setTimestamp(usage.timestampNanos())
        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(usage.mountpoint().toString()))
        .setUsedBytes(UInt64Value.newBuilder().setValue(usage.usedBytes()))
        .setInodesUsed(UInt64Value.newBuilder().setValue(usage.inodesUsed()))
        .build();
  }

  private static String requireRef(ImageSpec spec) {
    if (spec.getImage().isBlank()) {
      throw CaissonException.invalid("image reference is required");
    }
    return spec.getImage();
  }

  private static Credentials credentials(AuthConfig auth) {
    return new Credentials(
        auth.getUsername(),
        auth.getPassword(),
        auth.getAuth(),
        auth.getIdentityToken(),
        auth.getRegistryToken(),
        auth.getServerAddress());
  }

  static Image toProto(ImageRecord record) {
    Image.Builder image =
        Image.newBuilder()
            .setId(record.id())
            .addAllRepoTags(record.repoTags())
            .addAllRepoDigests(record.repoDigests())
            .setSize(record.size())
            .setUsername(record.username())
            .setSpec(ImageSpec.newBuilder().setImage(record.id()))
            .setPinned(record.pinned());
    if (record.uid() != null) {
      image.setUid(Int64Value.newBuilder().setValue(record.uid()));
    }
    return image.build();
  }
}
