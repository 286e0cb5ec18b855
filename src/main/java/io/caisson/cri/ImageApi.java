package io.caisson.cri;

import io.caisson.cri.v1.ImageServiceGrpc;

/**
 * The CRI ImageService. RPCs not overridden here answer UNIMPLEMENTED naming the method
 * (grpc-java's default) until the image store is wired in.
 */
public final class ImageApi extends ImageServiceGrpc.ImageServiceImplBase {}
