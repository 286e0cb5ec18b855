package io.caisson.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which endpoints take their turns. With two endpoints every round runs A then B, so
 * drift on a noisy machine (page cache, thermal, a neighbour's load) hits both alike instead of
 * landing on whichever ran second.
 */
public final class Schedule {
  private Schedule() {}

  /** One endpoint's turn in one round. */
  public record Turn(int round, int endpoint) {}

  public static List<Turn> alternate(int rounds, int endpoints) {
    if (rounds < 1 || endpoints < 1) {
      throw new IllegalArgumentException(
          "need at least one round and one endpoint, got " + rounds + " and " + endpoints);
    }
    List<Turn> turns = new ArrayList<>(rounds * endpoints);
    for (int round = 0; round < rounds; round++) {
      for (int endpoint = 0; endpoint < endpoints; endpoint++) {
        turns.add(new Turn(round, endpoint));
      }
    }
    return turns;
  }
}
