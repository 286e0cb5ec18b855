package io.caisson.toml;

/**
 * A position in TOML text, with the lexical pieces every part of the grammar shares: TOML's
 * whitespace (space and tab only), newlines (LF or CRLF), and errors that name the line and column.
 */
final class Cursor {
  static final int END = -1;

  private final String text;
  int pos;
  private int countedTo; // lineOf has counted the newlines before this position
  private int countedLine = 1;

  Cursor(String text) {
    this.text = text;
  }

  boolean atEnd() {
    return pos >= text.length();
  }

  /** The character here, or {@link #END}. */
  int peek() {
    return pos < text.length() ? text.charAt(pos) : END;
  }

  /** The character {@code ahead} places on, or {@link #END}. */
  int peek(int ahead) {
    int at = pos + ahead;
    return at < text.length() ? text.charAt(at) : END;
  }

  boolean startsWith(String prefix) {
    return text.startsWith(prefix, pos);
  }

  String slice(int from, int to) {
    return text.substring(from, to);
  }

  void skipWhitespace() {
    while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
      pos++;
    }
  }

  /** Whether a newline starts here: LF, or CR LF. */
  boolean atNewline() {
    int c = peek();
    return c == '\n' || (c == '\r' && peek(1) == '\n');
  }

  /** Steps over the newline here, if there is one. */
  boolean newline() {
    if (peek() == '\n') {
      pos++;
      return true;
    }
    if (peek() == '\r' && peek(1) == '\n') {
      pos += 2;
      return true;
    }
    return false;
  }

  /**
   * Steps over a comment, if one starts here, up to (not over) its newline. A comment holds no
   * control characters but tab: TOML keeps them out so that none can hide in a file.
   */
  void skipComment() throws TomlException {
    if (peek() != '#') {
      return;
    }
    pos++;
    while (!atEnd() && !atNewline()) {
      if (TomlStrings.isControl(peek())) {
        throw error(describe(peek()) + " in a comment");
      }
      pos++;
    }
  }

  /** Whitespace, comments and newlines, as between an array's elements. */
  void skipBlank() throws TomlException {
    while (true) {
      skipWhitespace();
      skipComment();
      if (!newline()) {
        return;
      }
    }
  }

  /** What a line holds after its key/value pair or header: whitespace, a comment, its end. */
  void endOfLine(String after) throws TomlException {
    skipWhitespace();
    skipComment();
    if (!atEnd() && !newline()) {
      throw error("unexpected " + describe(peek()) + " " + after);
    }
  }

  TomlException error(String detail) {
    return errorAt(pos, detail);
  }

  /** An error pointing at the character at {@code at}. */
  TomlException errorAt(int at, String detail) {
    int lineStart = text.lastIndexOf('\n', Math.min(at, text.length()) - 1) + 1;
    return new TomlException(lineOf(at), at - lineStart + 1, detail);
  }

  /** An error about the line {@code at} is on, for what no one character is to blame. */
  TomlException lineError(int at, String detail) {
    return new TomlException(lineOf(at), detail);
  }

  /**
   * The line {@code at} is on. The parser asks in text order (for the line a key or header starts
   * on, to name in errors found after it), so counting goes on from the last answer: every
   * character is counted once, however long the document.
   */
  int lineOf(int at) {
    int target = Math.min(at, text.length());
    if (target < countedTo) {
      countedTo = 0;
      countedLine = 1;
    }
    for (; countedTo < target; countedTo++) {
      if (text.charAt(countedTo) == '\n') {
        countedLine++;
      }
    }
    return countedLine;
  }

  /** A character for a message: quoted if it prints, its code point if not. */
  static String describe(int c) {
    if (c == END) {
      return "end of file";
    }
    if (c == '\n') {
      return "end of line";
    }
    if (TomlStrings.isControl(c)) {
      return "control character U+%04X".formatted(c);
    }
    return c == '"' ? "'\"'" : "\"" + (char) c + "\"";
  }
}
