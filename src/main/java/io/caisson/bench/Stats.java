package io.caisson.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Order statistics of one metric's samples. */
public final class Stats {
  private Stats() {}

  /** Median, 90th percentile, min and max of a non-empty sample set. */
  public record Summary(int count, double median, double p90, double min, double max) {}

  public static Summary summarize(List<Double> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to summarize");
    }
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    return new Summary(
        sorted.size(), median(sorted), percentile(sorted, 90), sorted.getFirst(), sorted.getLast());
  }

  /** The middle value; the mean of the two middle values for an even count. */
  public static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * Nearest-rank percentile: the smallest sample with at least {@code p} percent of the samples at
   * or below it. No interpolation, so the value is always one that was measured.
   */
  public static double percentile(List<Double> sorted, int p) {
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("percentile out of (0, 100]: " + p);
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(rank, 1) - 1);
  }

  /** Least-squares slope of {@code y} over {@code x}; 0 when fewer than two points. */
  public static double slope(List<Double> x, List<Double> y) {
    int n = Math.min(x.size(), y.size());
    if (n < 2) {
      return 0;
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x.get(i);
      my += y.get(i);
    }
    mx /= n;
    my /= n;
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += (x.get(i) - mx) * (y.get(i) - my);
      den += (x.get(i) - mx) * (x.get(i) - mx);
    }
    return den == 0 ? 0 : num / den;
  }
}
