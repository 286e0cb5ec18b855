package io.caisson.toml;

import java.io.IOException;

/**
 * A document that is not the TOML 1.0 it should be, or TOML that has no JSON form (inf, nan). The
 * message starts with the line, and the column where pointing at a character helps.
 */
public final class TomlException extends IOException {
  private final int line;

  public TomlException(String message) {
    super(message);
    this.line = 0;
  }

  public TomlException(String message, Throwable cause) {
    super(message, cause);
    this.line = cause instanceof TomlException toml ? toml.line : 0;
  }

  /** An error about a whole line: a duplicate key, a table defined twice. */
  TomlException(int line, String detail) {
    super("line " + line + ": " + detail);
    this.line = line;
  }

  /** An error at one character: an unexpected one, a bad escape. */
  TomlException(int line, int column, String detail) {
    super("line " + line + ", column " + column + ": " + detail);
    this.line = line;
  }

  /** The line (from 1) the error is on; 0 where it is not about one, such as text not UTF-8. */
  public int line() {
    return line;
  }
}
