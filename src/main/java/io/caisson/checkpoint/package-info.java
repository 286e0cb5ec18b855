/**
 * The checkpoint archive: what CheckpointContainer writes and a CreateContainer from a checkpoint
 * reads (CRIU images, the OCI spec, Caisson's metadata, the writable layer's changes).
 */
package io.caisson.checkpoint;
