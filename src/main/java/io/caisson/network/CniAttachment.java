package io.caisson.network;

import io.caisson.common.CaissonException;
import io.caisson.json.JsonObject;
import java.util.regex.Pattern;

/**
 * One interface of one sandbox on one network: the CNI_* values of an invocation, plus the
 * capability arguments ({@code portMappings}, {@code bandwidth}) handed to plugins that declare
 * them. Kept in the attachment cache so DEL repeats exactly what ADD was given.
 *
 * @param containerId CNI_CONTAINERID, the sandbox id
 * @param ifName CNI_IFNAME inside the netns
 * @param netns CNI_NETNS, a path to the pinned network namespace
 * @param cniArgs CNI_ARGS, already in {@code K=V;K=V} form
 * @param capabilityArgs capability name to value; only declared capabilities are passed on
 */
public record CniAttachment(
    String containerId, String ifName, String netns, String cniArgs, JsonObject capabilityArgs) {

  // The CNI spec's rule for container ids; it also keeps them safe as a directory name.
  private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
  // Linux interface names: at most 15 bytes, no slash, colon or whitespace.
  private static final Pattern IF_NAME = Pattern.compile("[a-zA-Z0-9_.\\-]{1,15}");

  public CniAttachment {
    requireContainerId(containerId);
    requireIfName(ifName);
    if (netns == null || netns.isEmpty() || netns.indexOf('\0') >= 0) {
      throw CaissonException.invalid("network namespace path is empty or invalid");
    }
    capabilityArgs = capabilityArgs == null ? new JsonObject() : capabilityArgs;
  }

  static void requireContainerId(String id) {
    if (id == null || !CONTAINER_ID.matcher(id).matches() || id.length() > 256) {
      throw CaissonException.invalid("\"%s\" is not a valid CNI container id", id);
    }
  }

  static void requireIfName(String ifName) {
    if (ifName == null
        || !IF_NAME.matcher(ifName).matches()
        || ifName.equals(".")
        || ifName.equals("..")) {
      throw CaissonException.invalid("\"%s\" is not a valid interface name", ifName);
    }
  }
}
