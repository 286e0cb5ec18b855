package io.caisson.toml;

import io.caisson.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads TOML 1.0 documents onto Caisson's JSON tree: tables and inline tables as objects (keys in
 * document order), arrays as arrays, strings as strings, integers as decimal number literals,
 * floats as number literals, booleans as booleans, and dates and times as the strings they were
 * written as. TOML's inf and nan have no JSON form and are refused.
 *
 * <p>Integers are kept whole at any size, beyond TOML's 64 bits: a number literal loses nothing.
 */
public final class TomlReader {
  private TomlReader() {}

  public static JsonObject read(String text) throws TomlException {
    return new TomlParser(text).document();
  }

  /** Reads the file as UTF-8; errors name the file. */
  public static JsonObject read(Path file) throws IOException {
    try {
      return read(decode(Files.readAllBytes(file)));
    } catch (TomlException e) {
      throw new TomlException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads the stream to its end, as UTF-8: one document. */
  public static JsonObject read(InputStream in) throws IOException {
    return read(decode(in.readAllBytes()));
  }

  /**
   * Strictly: TOML is UTF-8, and a replacement character would be a silent change. The error names
   * the line of the first byte that is not.
   */
  private static String decode(byte[] utf8) throws TomlException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(utf8);
    CharBuffer out = CharBuffer.allocate(utf8.length); // never more chars than bytes
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        if (utf8[i] == '\n') {
          line++;
        }
      }
      throw new TomlException(
          line, "not UTF-8 text (byte 0x%02X)".formatted(utf8[in.position()] & 0xff));
    }
    return out.flip().toString();
  }
}
