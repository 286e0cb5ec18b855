package io.caisson.network;

import io.caisson.common.CaissonException;
import java.math.BigDecimal;
import java.math.RoundingMode;
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
  // Kubernetes' quantity grammar: a signed decimal, then a binary suffix (Ki..Ei), a decimal one
  // (m, k, M..E) or a decimal exponent (1e6, 5E+3); kubelet passes the annotation as written.
  private static final Pattern QUANTITY =
      Pattern.compile(
          "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?");
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

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

  /**
   * A Kubernetes quantity such as {@code 10M}, {@code 1Gi} or {@code 1e6}, rounded up to a whole
   * number as Kubernetes' own Value() does.
   */
  static long bitsPerSecond(String key, String quantity) {
    Matcher m = QUANTITY.matcher(quantity.strip());
    if (!m.matches()) {
      throw CaissonException.invalid("annotation %s: \"%s\" is not a quantity", key, quantity);
    }
    BigDecimal value = new BigDecimal(m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    if (m.group(3) != null) {
      int exponent;
      try {
        exponent = Integer.parseInt(m.group(3));
      } catch (NumberFormatException e) {
        throw CaissonException.invalid("annotation %s: \"%s\" is out of range", key, quantity);
      }
      // Only a scale: no digits are made, however large the exponent.
      value = value.scaleByPowerOfTen(exponent);
    } else if (suffix.equals("m")) {
      value = value.scaleByPowerOfTen(-3);
    } else if (!suffix.isEmpty()) {
      int power = "KMGTPE".indexOf(Character.toUpperCase(suffix.charAt(0))) + 1;
      value =
          suffix.endsWith("i")
              ? value.multiply(BigDecimal.valueOf(1024).pow(power))
              : value.scaleByPowerOfTen(3 * power);
    }
    if (value.compareTo(MAX) > 0) {
      throw CaissonException.invalid("annotation %s: \"%s\" is out of range", key, quantity);
    }
    return value.setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
