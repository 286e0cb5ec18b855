package io.caisson.cri;

import io.caisson.cri.v1.ImageFsInfoRequest;
import io.caisson.cri.v1.ImageFsInfoResponse;
import io.caisson.cri.v1.ImageServiceGrpc;
import io.caisson.cri.v1.ImageStatusRequest;
import io.caisson.cri.v1.ImageStatusResponse;
import io.caisson.cri.v1.ListImagesRequest;
import io.caisson.cri.v1.ListImagesResponse;
import io.caisson.cri.v1.PullImageRequest;
import io.caisson.cri.v1.PullImageResponse;
import io.caisson.cri.v1.RemoveImageRequest;
import io.caisson.cri.v1.RemoveImageResponse;
import io.grpc.stub.StreamObserver;

/** The CRI ImageService; routes each RPC to {@link ImageRpcs}. */
public final class ImageApi extends ImageServiceGrpc.ImageServiceImplBase {
  private final ImageRpcs images;

  public ImageApi(ImageRpcs images) {
    this.images = images;
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> observer) {
    Rpc.unary(observer, () -> images.list(request));
  }

  @Override
  public void imageStatus(
      ImageStatusRequest request, StreamObserver<ImageStatusResponse> observer) {
    Rpc.unary(observer, () -> images.status(request));
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> observer) {
    Rpc.unary(observer, () -> images.pull(request));
  }

  @Override
  public void removeImage(
      RemoveImageRequest request, StreamObserver<RemoveImageResponse> observer) {
    Rpc.unary(observer, () -> images.remove(request));
  }

  @Override
  public void imageFsInfo(
      ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> observer) {
    Rpc.unary(observer, images::fsInfo);
  }
}
