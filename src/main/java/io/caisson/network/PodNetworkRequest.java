package io.caisson.network;

import io.caisson.common.CaissonException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What attaching a pod sandbox to the network needs.
 *
 * @param podId the sandbox id (CNI_CONTAINERID and K8S_POD_INFRA_CONTAINER_ID)
 * @param name the pod's metadata name
 * @param namespace the pod's metadata namespace
 * @param uid the pod's metadata uid
 * @param netns the pinned network namespace file
 * @param portMappings the pod's ports; only those with a host port are published
 * @param bandwidth optional traffic shaping, for networks whose plugins declare it
 * @param annotations the pod's annotations (capability {@code io.kubernetes.cri.pod-annotations},
 *     which AWS's VPC CNI and others read)
 * @param dns the pod's DNS config (capability {@code dns}); empty for the node's
 */
public record PodNetworkRequest(
    String podId,
    String name,
    String namespace,
    String uid,
    Path netns,
    List<PortMapping> portMappings,
    Optional<Bandwidth> bandwidth,
    Map<String, String> annotations,
    Optional<Dns> dns) {

  /** A pod's DNS servers, search domains and resolver options. */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }
  }

  // CNI_ARGS is "K=V;K=V": values must not carry the separators, whitespace or control bytes.
  private static final Pattern ARG_VALUE = Pattern.compile("[^;=\\s\\p{Cntrl}]*");

  public PodNetworkRequest {
    CniAttachment.requireContainerId(podId);
    arg("name", name);
    arg("namespace", namespace);
    arg("uid", uid);
    if (netns == null) {
      throw CaissonException.invalid("pod %s: no network namespace path", podId);
    }
    portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    bandwidth = bandwidth == null ? Optional.empty() : bandwidth;
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    dns = dns == null ? Optional.empty() : dns;
  }

  public PodNetworkRequest(
      String podId,
      String name,
      String namespace,
      String uid,
      Path netns,
      List<PortMapping> ports) {
    this(podId, name, namespace, uid, netns, ports, Optional.empty(), Map.of(), Optional.empty());
  }

  /** CNI_ARGS as kubelet-era runtimes pass it; IgnoreUnknown lets plugins skip keys they lack. */
  String cniArgs() {
    return "IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s;K8S_POD_UID=%s"
        .formatted(namespace, name, podId, uid);
  }

  private static void arg(String what, String value) {
    if (value == null || value.isEmpty() || !ARG_VALUE.matcher(value).matches()) {
      throw CaissonException.invalid(
          "pod %s \"%s\" is empty or has characters CNI_ARGS cannot carry", what, value);
    }
  }
}
