package io.caisson.cri;

import io.caisson.cri.ProtoShape.Field;
import io.caisson.cri.ProtoShape.Rpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Every difference between a reference {@link ProtoShape} and ours, one readable line each, e.g.
 * "message runtime.v1.Mount field readonly number: reference 3, ours 4".
 */
final class ProtoShapeDiff {
  private final List<String> differences = new ArrayList<>();

  private ProtoShapeDiff() {}

  static List<String> between(ProtoShape reference, ProtoShape ours) {
    var diff = new ProtoShapeDiff();
    diff.same("package", reference.pkg(), ours.pkg());
    diff.keyed(
        "service",
        reference.services(),
        ours.services(),
        (where, r, o) -> diff.keyed(where + " rpc", r.rpcs(), o.rpcs(), diff::rpc));
    diff.keyed(
        "message",
        reference.messages(),
        ours.messages(),
        (where, r, o) -> diff.keyed(where + " field", r.fields(), o.fields(), diff::field));
    diff.keyed(
        "enum",
        reference.enums(),
        ours.enums(),
        (where, r, o) ->
            diff.keyed(
                where + " value",
                r.values(),
                o.values(),
                (value, rn, on) -> diff.same(value + " number", rn, on)));
    return List.copyOf(diff.differences);
  }

  private interface Comparison<T> {
    void compare(String where, T reference, T ours);
  }

  /** Elements present on one side only, then a closer look at those on both. */
  private <T> void keyed(
      String kind, Map<String, T> reference, Map<String, T> ours, Comparison<T> comparison) {
    var keys = new TreeSet<>(reference.keySet());
    keys.addAll(ours.keySet());
    for (String key : keys) {
      String where = kind + " " + key;
      T r = reference.get(key);
      T o = ours.get(key);
      if (o == null) {
        differences.add(where + ": missing from ours");
      } else if (r == null) {
        differences.add(where + ": not in the reference");
      } else {
        comparison.compare(where, r, o);
      }
    }
  }

  private void rpc(String where, Rpc reference, Rpc ours) {
    same(where + " input", reference.input(), ours.input());
    same(where + " output", reference.output(), ours.output());
    same(where + " client streaming", reference.clientStreaming(), ours.clientStreaming());
    same(where + " server streaming", reference.serverStreaming(), ours.serverStreaming());
  }

  private void field(String where, Field reference, Field ours) {
    same(where + " number", reference.number(), ours.number());
    same(where + " type", reference.type(), ours.type());
    same(where + " repeated", reference.repeated(), ours.repeated());
    same(where + " map key", reference.mapKey(), ours.mapKey());
    same(where + " map value", reference.mapValue(), ours.mapValue());
    same(where + " oneof", reference.oneof(), ours.oneof());
  }

  private void same(String what, Object reference, Object ours) {
    if (!Objects.equals(reference, ours)) {
      differences.add(
          what
              + ": reference "
              + Objects.toString(reference, "none")
              + ", ours "
              + Objects.toString(ours, "none"));
    }
  }
}
