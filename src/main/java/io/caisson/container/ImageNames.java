package io.caisson.container;

import io.caisson.image.ImageRecord;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How a container's image is named in its status, as kubelet shows it in a pod's status: {@code
 * name} the reference the user wrote (kubelet creates containers by image id and passes the pod's
 * reference as {@code user_specified_image}), {@code digestRef} a pullable {@code
 * repository@sha256:...} of the manifest it was pulled through (kubelet's {@code imageID}), which,
 * unlike the config digest, a registry and a scanner recognise.
 */
record ImageNames(String name, String digestRef) {
  private static final Pattern ID = Pattern.compile("(sha256:)?[0-9a-f]{12,64}");

  /**
   * @param repositories the repositories a reference may name, in order ({@code
   *     ImageService::repositoriesFor}: a short name's through registries.conf)
   */
  static ImageNames of(
      String asked,
      String userSpecified,
      ImageRecord image,
      Function<String, List<String>> repositories) {
    boolean byId = ID.matcher(asked).matches() && image.id().contains(asked);
    String name = asked;
    if (byId) {
      name =
          !userSpecified.isEmpty()
              ? userSpecified
              : first(image.repoTags(), first(image.repoDigests(), asked));
    }
    String reference = byId ? userSpecified : asked;
    List<String> named =
        reference.isEmpty() || ID.matcher(reference).matches()
            ? List.of()
            : repositories.apply(reference);
    String digestRef =
        named.stream()
            .flatMap(
                repository ->
                    image.repoDigests().stream()
                        .filter(d -> d.substring(0, d.indexOf('@')).equals(repository)))
            .findFirst()
            .orElse(first(image.repoDigests(), image.id()));
    return new ImageNames(name, digestRef);
  }

  private static String first(List<String> names, String otherwise) {
    return names.isEmpty() ? otherwise : names.getFirst();
  }
}
