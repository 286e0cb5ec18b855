package io.caisson.container.cdi;

import io.caisson.common.CaissonException;
import java.util.regex.Pattern;

/**
 * A fully qualified CDI device name, {@code vendor.com/class=name}: the spec's kind ({@code
 * vendor/class}) and a device of it.
 */
public record CdiName(String vendor, String deviceClass, String device) {
  // The CDI specification's rules: a vendor is a domain-like name, a class a simple word, a device
  // name may also hold dots and colons (an index, a UUID, a PCI address).
  private static final Pattern VENDOR = Pattern.compile("[A-Za-z]([A-Za-z0-9._-]*[A-Za-z0-9])?");
  private static final Pattern CLASS = Pattern.compile("[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?");
  private static final Pattern DEVICE =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?");

  /** Parses a name a container asks for; INVALID_ARGUMENT naming it when it is not one. */
  public static CdiName parse(String qualified) {
    int eq = qualified.indexOf('=');
    int slash = eq < 0 ? -1 : qualified.lastIndexOf('/', eq);
    if (eq < 0 || slash < 0) {
      throw CaissonException.invalid(
          "CDI device '%s' is not a qualified name of the form vendor.com/class=device", qualified);
    }
    CdiName name =
        new CdiName(
            qualified.substring(0, slash),
            qualified.substring(slash + 1, eq),
            qualified.substring(eq + 1));
    String problem = name.problem();
    if (problem != null) {
      throw CaissonException.invalid("CDI device '%s': %s", qualified, problem);
    }
    return name;
  }

  /** Whether a spec file's kind is of the form {@code vendor/class}. */
  static boolean validKind(String kind) {
    int slash = kind == null ? -1 : kind.indexOf('/');
    return slash >= 0
        && VENDOR.matcher(kind.substring(0, slash)).matches()
        && CLASS.matcher(kind.substring(slash + 1)).matches();
  }

  static boolean validDevice(String device) {
    return device != null && DEVICE.matcher(device).matches();
  }

  /** What is wrong with this name, or null. */
  private String problem() {
    if (!VENDOR.matcher(vendor).matches()) {
      return "vendor '" + vendor + "' is not a domain-like name";
    }
    if (!CLASS.matcher(deviceClass).matches()) {
      return "class '" + deviceClass + "' is not letters, digits, '-' and '_'";
    }
    if (!validDevice(device)) {
      return "device name '" + device + "' is not letters, digits, '-', '_', '.' and ':'";
    }
    return null;
  }

  public String kind() {
    return vendor + "/" + deviceClass;
  }

  @Override
  public String toString() {
    return kind() + "=" + device;
  }
}
