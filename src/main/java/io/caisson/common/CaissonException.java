package io.caisson.common;

/**
 * A failure with the gRPC-visible category it maps to. Domain code throws this; the {@code cri}
 * adapters turn {@link Kind} into a gRPC status code and keep the message as the description.
 */
public class CaissonException extends RuntimeException {

  /** The categories callers can act on; named after the gRPC status codes they become. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED,
    UNAVAILABLE,
    UNIMPLEMENTED,
    INTERNAL
  }

  private final Kind kind;

  public CaissonException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public CaissonException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static CaissonException invalid(String format, Object... args) {
    return new CaissonException(Kind.INVALID_ARGUMENT, format.formatted(args));
  }

  public static CaissonException notFound(String format, Object... args) {
    return new CaissonException(Kind.NOT_FOUND, format.formatted(args));
  }

  public static CaissonException alreadyExists(String format, Object... args) {
    return new CaissonException(Kind.ALREADY_EXISTS, format.formatted(args));
  }

  public static CaissonException precondition(String format, Object... args) {
    return new CaissonException(Kind.FAILED_PRECONDITION, format.formatted(args));
  }

  public static CaissonException internal(String message, Throwable cause) {
    return new CaissonException(Kind.INTERNAL, message, cause);
  }
}
