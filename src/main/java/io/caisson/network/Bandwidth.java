package io.caisson.network;

import io.caisson.common.CaissonException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traffic shaping for the bandwidth plugin's "bandwidth" capability, in bits per second and bits.
 * kubelet conveys it as the pod annotations {@code kubernetes.io/ingress-bandwidth} and {@code
 * kubernetes.io/egress-bandwidth}; a rate of 0 means unlimited in that direction.
 */
public record Bandwidth(long ingressRate, long ingressBurst, long egressRate, long egressBurst) {
  public static final String INGRESS_ANNOTATION = "kubernetes.io/ingress-bandwidth";
  public static final String EGRESS_ANNOTATION = "kubernetes.io/egress-bandwidth";

  // The bandwidth plugin wants a burst whenever a rate is set; kubelet gives none, so use the
  // largest the plugin accepts (containerd and CRI-O do the same).
  private static final long UNLIMITED_BURST = 0xFFFF_FFFFL;
  private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)([kMGTPE]i?)?");

  public Bandwidth {
    if (ingressRate < 0 || ingressBurst < 0 || egressRate < 0 || egressBurst < 0) {
      throw CaissonException.invalid("bandwidth rates and bursts must not be negative");
    }
  }

  /** The limits in a pod's annotations, if it has any. */
  public static Optional<Bandwidth> fromAnnotations(Map<String, String> annotations) {
    String ingress = annotations.get(INGRESS_ANNOTATION);
    String egress = annotations.get(EGRESS_ANNOTATION);
    if (ingress == null && egress == null) {
      return Optional.empty();
    }
    long in = ingress == null ? 0 : bitsPerSecond(INGRESS_ANNOTATION, ingress);
    long out = egress == null ? 0 : bitsPerSecond(EGRESS_ANNOTATION, egress);
    return Optional.of(
        new Bandwidth(in, in > 0 ? UNLIMITED_BURST : 0, out, out > 0 ? UNLIMITED_BURST : 0));
  }

  /** A Kubernetes quantity such as {@code 10M} or {@code 1Gi}, as a whole number. */
  static long bitsPerSecond(String key, String quantity) {
    Matcher m = QUANTITY.matcher(quantity.strip());
    if (!m.matches()) {
      throw CaissonException.invalid("annotation %s: \"%s\" is not a quantity", key, quantity);
    }
    BigDecimal value = new BigDecimal(m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    int power = suffix.isEmpty() ? 0 : "kMGTPE".indexOf(suffix.charAt(0)) + 1;
    BigDecimal base = BigDecimal.valueOf(suffix.endsWith("i") ? 1024 : 1000);
    try {
      return value.multiply(base.pow(power)).longValueExact();
    } catch (ArithmeticException e) {
      throw CaissonException.invalid(
          "annotation %s: \"%s\" is not a whole number of bits", key, quantity);
    }
  }
}
