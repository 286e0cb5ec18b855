package io.caisson.image;

import io.caisson.common.CaissonException;
import io.caisson.json.Json;
import io.caisson.json.JsonValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * GPG signatures a registry serves itself ({@code GET /extensions/v2/REPOSITORY/signatures/DIGEST},
 * OpenShift's registry): a JSON list of signatures, each with a schema version, a type and its
 * bytes in base64. Only what containers/image takes is kept (version 2, type {@code atomic}); where
 * a registry advertises the extension it is read instead of the lookaside storage, as
 * containers/image does.
 */
final class SignatureExtension {
  private static final int VERSION = 2;
  private static final String TYPE = "atomic";
  private static final int MAX_BODY = 8 << 20;

  private SignatureExtension() {}

  /** The signatures of {@code manifest} at the session's registry. */
  static Lookaside.Found fetch(RegistrySession session, Digest manifest) {
    String where = "in the signature extension of " + session.endpoint();
    JsonValue list;
    try {
      list = Json.parse(session.extensionSignatures(manifest, MAX_BODY)).path("signatures");
    } catch (IOException e) {
      throw CaissonException.precondition(
          "the signatures of %s %s are not valid JSON", manifest, where);
    }
    if (!list.isArray() || list.size() > Lookaside.MAX_SIGNATURES) {
      throw CaissonException.precondition(
          "the signatures of %s %s are no list of at most %d",
          manifest, where, Lookaside.MAX_SIGNATURES);
    }
    List<byte[]> signatures = new ArrayList<>();
    for (JsonValue entry : list) {
      if (entry.path("version").asInt(-1) != VERSION
          || !entry.path("type").asText("").equals(TYPE)) {
        continue; // a kind of signature this node does not read
      }
      try {
        signatures.add(Base64.getDecoder().decode(entry.path("content").asText("")));
      } catch (IllegalArgumentException e) {
        throw CaissonException.precondition(
            "a signature of %s %s is not valid base64", manifest, where);
      }
    }
    return new Lookaside.Found(List.copyOf(signatures), where);
  }
}
