package io.caisson.toml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.caisson.json.JsonArray;
import io.caisson.json.JsonBoolean;
import io.caisson.json.JsonNumber;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonReader;
import io.caisson.json.JsonString;
import io.caisson.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TomlReaderTest {
  @TempDir Path dir;

  /** The document as compact JSON, the easiest form to compare a whole tree in. */
  private static String json(String toml) throws TomlException {
    return TomlReader.read(toml).toString();
  }

  private static JsonValue value(String toml) throws TomlException {
    return TomlReader.read("v = " + toml).get("v");
  }

  private static String error(String toml) {
    try {
      TomlReader.read(toml);
    } catch (TomlException e) {
      return e.getMessage();
    }
    throw new AssertionError("read without error: " + toml);
  }

  // --- keys, tables, structure ---

  @Test
  void keysKeepDocumentOrderAndCommentsAndBlankLinesAreNothing() throws Exception {
    String toml =
        """
        # a comment on its own line
        zebra = 1   # after a value
           apple = "a"\t# indented, with a tab

        mango = true
        """;
    assertThat(json(toml)).isEqualTo("{\"zebra\":1,\"apple\":\"a\",\"mango\":true}");
    assertThat(TomlReader.read(toml).properties())
        .extracting(e -> e.getKey())
        .containsExactly("zebra", "apple", "mango");
  }

  @Test
  void bareQuotedAndDottedKeys() throws Exception {
    String toml =
        """
        bare_key-1 = 1
        1234 = 2
        "quoted key" = 3
        'literal "key"' = 4
        "" = 5
        "ʎǝʞ" = 6
        site."google.com" = true
        a . b . c = 7
        a.b.d = 8
        3.14159 = "pi"
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"bare_key-1\":1,\"1234\":2,\"quoted key\":3,\"literal \\\"key\\\"\":4,\"\":5,"
                + "\"ʎǝʞ\":6,\"site\":{\"google.com\":true},\"a\":{\"b\":{\"c\":7,\"d\":8}},"
                + "\"3\":{\"14159\":\"pi\"}}");
  }

  @Test
  void tablesSubTablesAndImplicitParents() throws Exception {
    String toml =
        """
        top = 0
        [dog."tater.man"]
        type.name = "pug"
        [ a . b ]  # whitespace around the key is allowed
        x = 1
        [a]        # a parent made implicitly may be defined once after
        y = 2
        [empty]
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"top\":0,\"dog\":{\"tater.man\":{\"type\":{\"name\":\"pug\"}}},"
                + "\"a\":{\"b\":{\"x\":1},\"y\":2},\"empty\":{}}");
  }

  @Test
  void headersMayAddSubTablesToTablesOfDottedKeys() throws Exception {
    String toml =
        """
        [fruit]
        apple.color = "red"
        apple.taste.sweet = true
        [fruit.apple.texture]
        smooth = true
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},"
                + "\"texture\":{\"smooth\":true}}}}");
  }

  @Test
  void arraysOfTablesWithSubTablesAndNestedArraysOfTheLastElement() throws Exception {
    String toml =
        """
        [[fruits]]
        name = "apple"
        [fruits.physical]
        color = "red"
        [[fruits.varieties]]
        name = "red delicious"
        [[fruits.varieties]]
        name = "granny smith"

        [[fruits]]
        name = "banana"
        [[fruits.varieties]]
        name = "plantain"

        [[empty]]
        [[empty]]
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"fruits\":[{\"name\":\"apple\",\"physical\":{\"color\":\"red\"},"
                + "\"varieties\":[{\"name\":\"red delicious\"},{\"name\":\"granny smith\"}]},"
                + "{\"name\":\"banana\",\"varieties\":[{\"name\":\"plantain\"}]}],"
                + "\"empty\":[{},{}]}");
  }

  @Test
  void inlineTablesAndArraysOfThem() throws Exception {
    String toml =
        """
        name = { first = "Tom", last = "Preston-Werner" }
        point = {x=1,y=2}
        animal = { type.name = "pug", type.size = "small" }
        empty = {}
        nested = { a = { b = [1, { c = 2 }] } }
        points = [ { x = 1, y = 2, z = 3 },
                   { x = 7, y = 8, z = 9 } ]
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"name\":{\"first\":\"Tom\",\"last\":\"Preston-Werner\"},\"point\":{\"x\":1,\"y\":2},"
                + "\"animal\":{\"type\":{\"name\":\"pug\",\"size\":\"small\"}},\"empty\":{},"
                + "\"nested\":{\"a\":{\"b\":[1,{\"c\":2}]}},"
                + "\"points\":[{\"x\":1,\"y\":2,\"z\":3},{\"x\":7,\"y\":8,\"z\":9}]}");
  }

  @Test
  void arraysSpanLinesWithCommentsAndATrailingCommaAndMixTypes() throws Exception {
    String toml =
        """
        integers = [ 1, 2, 3 ]
        nested = [ [ 1, 2 ], ["a", 'b', \"""c\"""] ]
        mixed = [ 0.1, "x", true, 1979-05-27, [] ]
        spread = [  # opening
          "one",    # first
          # nothing here

          "two" ,   # trailing comma next
        ]
        empty = [
        ]
        crlf = [\r\n  1,\r\n  2\r\n]\r
        """;
    assertThat(json(toml))
        .isEqualTo(
            "{\"integers\":[1,2,3],\"nested\":[[1,2],[\"a\",\"b\",\"c\"]],"
                + "\"mixed\":[0.1,\"x\",true,\"1979-05-27\",[]],\"spread\":[\"one\",\"two\"],"
                + "\"empty\":[],\"crlf\":[1,2]}");
  }

  @Test
  void crlfLineEndingsAndABomAndNoFinalNewline() throws Exception {
    assertThat(json("\uFEFFa = 1\r\n[t]\r\nb = 2 # c\r\n\r\nc = 3"))
        .isEqualTo("{\"a\":1,\"t\":{\"b\":2,\"c\":3}}");
    assertThat(json("")).isEqualTo("{}");
    assertThat(json("# only a comment")).isEqualTo("{}");
  }

  // --- strings ---

  @Test
  void basicStringsAndEveryEscape() throws Exception {
    assertThat(value("\"tab\\there \\\"quoted\\\" back\\\\slash\""))
        .isEqualTo(new JsonString("tab\there \"quoted\" back\\slash"));
    assertThat(value("\"\\b\\t\\n\\f\\r\\\"\\\\\"")).isEqualTo(new JsonString("\b\t\n\f\r\"\\"));
    assertThat(value("\"\\u00E9 \\u20AC \\U0001F600 \\U0000004A\""))
        .isEqualTo(new JsonString("é € \uD83D\uDE00 J"));
    assertThat(value("\"raw\ttab and ünïcödé\"")).isEqualTo(new JsonString("raw\ttab and ünïcödé"));
    assertThat(value("\"\"")).isEqualTo(new JsonString(""));
  }

  @Test
  void literalStringsTakeBackslashesAsTheyAre() throws Exception {
    assertThat(value("'C:\\Users\\nodejs\\templates'"))
        .isEqualTo(new JsonString("C:\\Users\\nodejs\\templates"));
    assertThat(value("'<\\i\\c*\\s*>'")).isEqualTo(new JsonString("<\\i\\c*\\s*>"));
    assertThat(value("'Tom \"Dubs\" Preston'")).isEqualTo(new JsonString("Tom \"Dubs\" Preston"));
  }

  @Test
  void multiLineBasicStrings() throws Exception {
    JsonObject doc =
        TomlReader.read(
            "first = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
                + "wrapped = \"\"\"\\\n  The quick brown \\\n\n\n  fox jumps \\   \n  over.\\\n  \"\"\"\n"
                + "quotes = \"\"\"Here are two quotes: \"\". Three: \"\"\\\".\"\"\"\n"
                + "edge = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
                + "two = \"\"\"\"\"\"\"\"\n"
                + "escaped = \"\"\"tab\\tnewline\\n\\u0041\"\"\"\n"
                + "crlf = \"\"\"\r\na\r\nb\"\"\"\n");
    assertThat(doc.get("first")).isEqualTo(new JsonString("Roses are red\nViolets are blue"));
    assertThat(doc.get("wrapped")).isEqualTo(new JsonString("The quick brown fox jumps over."));
    assertThat(doc.get("quotes"))
        .isEqualTo(new JsonString("Here are two quotes: \"\". Three: \"\"\"."));
    assertThat(doc.get("edge"))
        .isEqualTo(new JsonString("\"This,\" she said, \"is just a pointless statement.\""));
    assertThat(doc.get("two")).isEqualTo(new JsonString("\"\""));
    assertThat(doc.get("escaped")).isEqualTo(new JsonString("tab\tnewline\nA"));
    assertThat(doc.get("crlf")).isEqualTo(new JsonString("a\r\nb"));
  }

  @Test
  void multiLineLiteralStrings() throws Exception {
    JsonObject doc =
        TomlReader.read(
            "regex = '''I [dw]on't need \\d{2} apples'''\n"
                + "lines = '''\nThe first newline is\ntrimmed in raw strings.\n   All other \\\n"
                + "   whitespace\n   is preserved.\n'''\n"
                + "quotes = ''''That,' she said, 'is still pointless.''''\n"
                + "fifteen = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n");
    assertThat(doc.get("regex")).isEqualTo(new JsonString("I [dw]on't need \\d{2} apples"));
    assertThat(doc.get("lines"))
        .isEqualTo(
            new JsonString(
                "The first newline is\ntrimmed in raw strings.\n   All other \\\n"
                    + "   whitespace\n   is preserved.\n"));
    assertThat(doc.get("quotes"))
        .isEqualTo(new JsonString("'That,' she said, 'is still pointless.'"));
    assertThat(doc.get("fifteen").textValue()).endsWith("\"".repeat(15));
  }

  // --- numbers, booleans, dates ---

  @ParameterizedTest
  @CsvSource({
    "+99, 99",
    "42, 42",
    "0, 0",
    "-17, -17",
    "-0, 0",
    "+0, 0",
    "1_000, 1000",
    "5_349_221, 5349221",
    "0xDEADBEEF, 3735928559",
    "0xdead_beef, 3735928559",
    "0o01234567, 342391",
    "0o755, 493",
    "0b11010110, 214",
    "0x00, 0",
    "9223372036854775807, 9223372036854775807",
    "-9223372036854775808, -9223372036854775808",
    "0xFFFFFFFFFFFFFFFF, 18446744073709551615",
  })
  void integersBecomeDecimalLiterals(String toml, String literal) throws Exception {
    JsonValue number = value(toml);
    assertThat(number).isInstanceOf(JsonNumber.class);
    assertThat(((JsonNumber) number).literal()).isEqualTo(literal);
    assertThat(number.isIntegralNumber()).isTrue();
  }

  @ParameterizedTest
  @CsvSource({
    "+1.0, 1.0",
    "3.1415, 3.1415",
    "-0.01, -0.01",
    "5e+22, 5e+22",
    "1e06, 1e06",
    "-2E-2, -2E-2",
    "6.626e-34, 6.626e-34",
    "224_617.445_991_228, 224617.445991228",
    "-0.0, -0.0",
    "+0.0, 0.0",
    "0e0, 0e0",
  })
  void floatsKeepTheirLiteralWithoutUnderscoresOrPlus(String toml, String literal)
      throws Exception {
    assertThat(((JsonNumber) value(toml)).literal()).isEqualTo(literal);
  }

  @Test
  void booleans() throws Exception {
    assertThat(value("true")).isEqualTo(JsonBoolean.TRUE);
    assertThat(value("false")).isEqualTo(JsonBoolean.FALSE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1979-05-27T07:32:00Z",
        "1979-05-27T00:32:00-07:00",
        "1979-05-27T00:32:00.999999-07:00",
        "1979-05-27 07:32:00Z",
        "1979-05-27t07:32:00z",
        "1979-05-27T07:32:00",
        "1979-05-27T00:32:00.999999",
        "1979-05-27 07:32:00",
        "1979-05-27",
        "2024-02-29",
        "07:32:00",
        "00:32:00.999999",
        "23:59:60",
      })
  void datesAndTimesAreTheTextAsWritten(String text) throws Exception {
    assertThat(value(text)).isEqualTo(new JsonString(text));
    assertThat(value("[" + text + " , " + text + "]"))
        .isEqualTo(new JsonArray().add(text).add(text));
  }

  // --- input forms ---

  @Test
  void readsFilesAndStreamsAsUtf8AndNamesTheFileInErrors() throws Exception {
    Path file = Files.writeString(dir.resolve("c.toml"), "name = \"café\"\n");
    assertThat(TomlReader.read(file).path("name").asText()).isEqualTo("café");
    assertThat(
            TomlReader.read(
                    new ByteArrayInputStream("name = \"café\"".getBytes(StandardCharsets.UTF_8)))
                .path("name")
                .asText())
        .isEqualTo("café");

    Path broken = Files.writeString(dir.resolve("broken.toml"), "a = 1\na = 2\n");
    assertThatThrownBy(() -> TomlReader.read(broken))
        .isInstanceOfSatisfying(
            TomlException.class,
            e -> {
              assertThat(e.getMessage()).isEqualTo(broken + ": line 2: duplicate key \"a\"");
              assertThat(e.line()).isEqualTo(2);
            });

    Path latin1 =
        Files.write(dir.resolve("latin1.toml"), new byte[] {'a', '=', '"', (byte) 0xe9, '"'});
    assertThatThrownBy(() -> TomlReader.read(latin1))
        .isInstanceOf(TomlException.class)
        .hasMessage(latin1 + ": line 1: not UTF-8 text (byte 0xE9)");
    byte[] bad = {'a', '=', '1', '\n', 'b', '=', '\'', (byte) 0xc3, '\''};
    assertThatThrownBy(() -> TomlReader.read(new ByteArrayInputStream(bad)))
        .isInstanceOf(TomlException.class)
        .hasMessage("line 2: not UTF-8 text (byte 0xC3)");
  }

  @Test
  void theTreeIsJsonThatJsonReaderReadsBackEqual() throws Exception {
    JsonObject doc =
        TomlReader.read("a = 0x10\nb = [1.5e3, 'x']\n[t]\nwhen = 1979-05-27T07:32:00Z\n");
    assertThat(JsonReader.standard().read(doc.toString())).isEqualTo(doc);
    assertThat(doc.path("a").longValue()).isEqualTo(16);
  }

  // --- errors ---

  @Test
  void duplicateKeys() {
    assertThat(error("socket = \"a\"\nroot = \"b\"\n\nsocket = \"c\"\n"))
        .isEqualTo("line 4: duplicate key \"socket\"");
    assertThat(error("a.b = 1\na.b = 2")).isEqualTo("line 2: duplicate key \"a.b\"");
    assertThat(error("\"x y\" = 1\n'x y' = 2")).isEqualTo("line 2: duplicate key \"'x y'\"");
    assertThat(error("bare = 1\n\"bare\" = 2")).isEqualTo("line 2: duplicate key \"bare\"");
    assertThat(error("t = { a = 1, a = 2 }")).isEqualTo("line 1: duplicate key \"a\"");
    assertThat(error("[t]\nx = 1\n[u]\n[t.y]\n[t]"))
        .isEqualTo("line 5: table [t] is already defined (line 1)");
  }

  @Test
  void keysDefinedTwiceThroughDottedKeys() {
    assertThat(error("a.b = 1\na.b.c = 2"))
        .isEqualTo("line 2: key \"a.b.c\" cannot make a table of key \"a.b\", which has a value");
    assertThat(error("a = 1\na.b = 2"))
        .isEqualTo("line 2: key \"a.b\" cannot make a table of key \"a\", which has a value");
    assertThat(error("a.b = 1\na = 2")).isEqualTo("line 2: duplicate key \"a\"");
    assertThat(error("[t]\na.b = 1\n[t.a]"))
        .isEqualTo("line 3: table [t.a] is already defined by dotted keys (line 2)");
    assertThat(error("[a.b.c]\nz = 9\n[a]\nb.c.t = 1"))
        .isEqualTo(
            "line 4: key \"b.c.t\" cannot add to table \"b\", which a [table] header defines"
                + " (line 1)");
    assertThat(error("[t]\nx = 1\n[t.x]"))
        .isEqualTo("line 3: table [t.x] would redefine key \"t.x\", which has a value");
    assertThat(error("x = 1\n[x.y]"))
        .isEqualTo("line 2: [x.y] cannot make a table of key \"x\", which has a value");
  }

  @Test
  void tablesDefinedTwice() {
    assertThat(error("[fruit]\napple = 1\n\n[fruit]\norange = 2"))
        .isEqualTo("line 4: table [fruit] is already defined (line 1)");
    assertThat(error("[a.b]\n[a]\n[a]")).isEqualTo("line 3: table [a] is already defined (line 2)");
    assertThat(error("[\"a\"]\n[a]")).isEqualTo("line 2: table [a] is already defined (line 1)");
  }

  @Test
  void inlineTablesCannotBeExtended() {
    assertThat(error("type = { name = \"Nail\" }\ntype.edible = false"))
        .isEqualTo("line 2: key \"type.edible\" cannot add to the inline table \"type\" (line 1)");
    assertThat(error("a = {}\n[a.b]"))
        .isEqualTo("line 2: [a.b] cannot add to the inline table \"a\" (line 1)");
    assertThat(error("a = { b = { c = 1 } }\n[a.b]"))
        .isEqualTo("line 2: [a.b] cannot add to the inline table \"a\" (line 1)");
    assertThat(error("a = { b.c = 1 }\n[a.b.d]"))
        .isEqualTo("line 2: [a.b.d] cannot add to the inline table \"a\" (line 1)");
    assertThat(error("a = { b = {}, b.c = 1 }"))
        .isEqualTo("line 1: key \"b.c\" cannot add to the inline table \"b\" (line 1)");
    assertThat(error("a = {}\n[a]"))
        .isEqualTo("line 2: table [a] is already defined as an inline table (line 1)");
  }

  @Test
  void tablesAndArraysOfTablesDoNotMix() {
    assertThat(error("[[fruit]]\nname = \"apple\"\n[fruit]"))
        .isEqualTo("line 3: [fruit] would redefine the array of tables [[fruit]]");
    assertThat(error("[fruit]\n[[fruit]]"))
        .isEqualTo("line 2: [[fruit]] would redefine the table [fruit] (line 1)");
    assertThat(error("[a.b]\n[[a]]"))
        .isEqualTo("line 2: [[a]] would redefine the table [a] (line 1)");
    assertThat(error("fruits = []\n[[fruits]]"))
        .isEqualTo(
            "line 2: [[fruits]] cannot add to the array \"fruits\", which an array value defines");
    assertThat(error("a = [{ b = 1 }]\n[a.c]"))
        .isEqualTo("line 2: [a.c] cannot make a table of key \"a\", which has a value");
    assertThat(error("x = 1\n[[x]]"))
        .isEqualTo("line 2: [[x]] would redefine key \"x\", which has a value");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "s = \"\\x41\"| line 1, column 6: invalid escape \"\\x\"",
        "s = \"\\e\"| line 1, column 6: invalid escape \"\\e\"",
        "s = \"a\\ b\"| line 1, column 7: invalid escape \"\\ \"",
        "s = \"\\u12\"| line 1, column 6: invalid escape \"\\u12\": \\u needs 4 hex digits",
        "s = \"\\uD800\"| line 1, column 6: invalid escape \"\\uD800\": not a Unicode scalar value",
        "s = \"\\U00110000\"| line 1, column 6: invalid escape \"\\U00110000\": not a Unicode scalar"
            + " value",
        "s = \"\"\"\\q\"\"\"| line 1, column 8: invalid escape \"\\q\"",
      })
  void invalidEscapes(String toml, String message) {
    assertThat(error(toml)).isEqualTo(message);
  }

  @Test
  void unterminatedStringsNameTheLineTheyStartOn() {
    assertThat(error("a = 1\ns = \"open\nb = 2"))
        .isEqualTo("line 2: unterminated string (a basic string ends on its line)");
    assertThat(error("s = 'open"))
        .isEqualTo("line 1: unterminated string (a literal string ends on its line)");
    assertThat(error("\n\ns = \"\"\"open\nstill\n\"\""))
        .isEqualTo("line 3: unterminated multi-line string");
    assertThat(error("s = '''open\n''")).isEqualTo("line 1: unterminated multi-line string");
    assertThat(error("[\"open]"))
        .isEqualTo("line 1: unterminated string (a basic string ends on its line)");
    assertThat(error("a = [1, 2\n")).isEqualTo("line 1: unterminated array");
    assertThat(error("a = { b = 1")).isEqualTo("line 1: unterminated inline table");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0123| invalid number \"0123\": a leading zero",
        "-01| invalid number \"-01\": a leading zero",
        "00| invalid number \"00\": a leading zero",
        "01.5| invalid number \"01.5\": a leading zero",
        "1__000| invalid number \"1__000\": a double underscore",
        "0x1__0| invalid number \"0x1__0\": a double underscore",
        "1_| invalid number or date \"1_\"",
        "_1| invalid value \"_1\" (a string needs quotes)",
        "1_.5| invalid number or date \"1_.5\"",
        "1._5| invalid number or date \"1._5\"",
        "1.| invalid number or date \"1.\"",
        ".5| invalid number or date \".5\"",
        "1e| invalid number or date \"1e\"",
        "+0x10| invalid number or date \"+0x10\"",
        "0X10| invalid number or date \"0X10\"",
        "0b102| invalid number or date \"0b102\"",
        "0o8| invalid number or date \"0o8\"",
        "1979-13-01| invalid date \"1979-13-01\"",
        "2023-02-29| invalid date \"2023-02-29\"",
        "1979-05-27T25:00:00| invalid time in \"1979-05-27T25:00:00\"",
        "1979-05-27T07:32:00+24:00| invalid time zone offset in \"1979-05-27T07:32:00+24:00\"",
        "07:32| invalid number or date \"07:32\"",
        "1979-05-27T07:32Z| invalid number or date \"1979-05-27T07:32Z\"",
        "tru| invalid value \"tru\" (a string needs quotes)",
        "True| invalid value \"True\" (a string needs quotes)",
        "bare| invalid value \"bare\" (a string needs quotes)",
      })
  void badNumbersAndValues(String toml, String detail) {
    String message = error("x = 1\nv = " + toml);
    assertThat(message).startsWith("line 2").endsWith(detail);
  }

  @ParameterizedTest
  @ValueSource(strings = {"inf", "+inf", "-inf", "nan", "+nan", "-nan"})
  void infinitiesAndNanHaveNoJsonForm(String toml) {
    assertThat(error("a = 1\n\nratio = " + toml))
        .isEqualTo(
            "line 3: float %s has no JSON form (JSON has no infinities and no NaN)"
                .formatted(toml));
    assertThat(error("a = [1.0,\n " + toml + "]")).startsWith("line 2: ");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a = 1 2| line 1, column 7: unexpected \"2\" after the value",
        "a = \"x\" \"y\"| line 1, column 9: unexpected '\"' after the value",
        "a = true false| line 1, column 10: unexpected \"f\" after the value",
        "a = [1] ]| line 1, column 9: unexpected \"]\" after the value",
        "a = {} x| line 1, column 8: unexpected \"x\" after the value",
        "[t] x = 1| line 1, column 5: unexpected \"x\" after the table header",
        "[[t]] # ok\\n[t2] ]| line 2, column 6: unexpected \"]\" after the table header",
        "a = 1, b = 2| line 1, column 6: unexpected \",\" after the value",
      })
  void garbageAfterAValueOrHeaderOnItsLine(String toml, String message) {
    assertThat(error(toml.replace("\\n", "\n"))).isEqualTo(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "= 1| line 1, column 1: expected a key, found \"=\"",
        "a| line 1, column 2: expected \"=\" after key \"a\", found end of file",
        "'a = '| line 1, column 5: expected a value, found end of file",
        "a =\\n1| line 1, column 4: expected a value, found end of line",
        "a b = 1| line 1, column 3: expected \"=\" after key \"a\", found \"b\"",
        "a. = 1| line 1, column 4: expected a key, found \"=\"",
        "\"\"\"a\"\"\" = 1| line 1, column 1: a key cannot be a multi-line string",
        "[a| line 1, column 3: expected \"]\" to close the table header, found end of file",
        "[]| line 1, column 2: expected a key, found \"]\"",
        "[[a]| line 1, column 5: expected \"]]\" to close the table header, found end of file",
        "[[a] ]| line 1, column 5: expected \"]]\" to close the table header, found \" \"",
        "[ [a]]| line 1, column 3: expected a key, found \"[\"",
        "a = [1 2]| line 1, column 8: expected \",\" or \"]\" in the array, found \"2\"",
        "a = [,]| line 1, column 6: expected a value, found \",\"",
        "a = [1,,2]| line 1, column 8: expected a value, found \",\"",
        "a = { b = 1, }| line 1, column 14: a comma after an inline table's last pair (TOML 1.0"
            + " allows none)",
        "a = { b = 1\\n}| line 1, column 12: an inline table must be on one line (TOML 1.0)",
        "a = {\\nb = 1 }| line 1, column 6: an inline table must be on one line (TOML 1.0)",
        "a = { b = 1 c = 2 }| line 1, column 13: expected \",\" or \"}\" in the inline table, found"
            + " \"c\"",
      })
  void syntaxErrorsNameLineAndColumn(String toml, String message) {
    assertThat(error(toml.replace("\\n", "\n"))).isEqualTo(message);
  }

  @Test
  void controlCharactersAndBareCarriageReturnsAreRefused() {
    assertThat(error("a = \"x\u0001y\""))
        .isEqualTo(
            "line 1, column 7: control character U+0001 in a string (write it as an escape)");
    assertThat(error("a = 'x\u007fy'"))
        .isEqualTo(
            "line 1, column 7: control character U+007F in a string (write it as an escape)");
    assertThat(error("a = '''x\u0000'''"))
        .isEqualTo(
            "line 1, column 9: control character U+0000 in a string (write it as an escape)");
    assertThat(error("# bell \u0007\na = 1"))
        .isEqualTo("line 1, column 8: control character U+0007 in a comment");
    assertThat(error("a = 1\rb = 2"))
        .isEqualTo("line 1, column 6: unexpected control character U+000D after the value");
    assertThat(error("a = \"\"\"x\ry\"\"\""))
        .isEqualTo(
            "line 1, column 9: control character U+000D in a string (write it as an escape)");
  }

  @Test
  void numbersLongerThanJsonTakesAreRefused() throws Exception {
    assertThat(value("0x" + "f".repeat(800)).asText()).hasSizeLessThan(1000);
    assertThat(error("a = 0x" + "f".repeat(900)))
        .isEqualTo("line 1: a number of more than 1000 decimal digits");
    assertThat(error("a = " + "1".repeat(1001)))
        .isEqualTo("line 1: a value of more than 1000 characters");
  }

  @Test
  void readingTakesTimeInProportionToTheText() {
    StringBuilder toml = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      toml.append("[t").append(i).append("]\nk = { a = 1, b.c = [\"x\", 2] } # c\n");
    }
    // Counting lines from the start for every key, as a first version did, takes minutes here.
    JsonObject doc =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> TomlReader.read(toml.toString()));
    assertThat(doc.size()).isEqualTo(50_000);
    toml.append("[t0]\n");
    assertThat(error(toml.toString()))
        .isEqualTo("line 100001: table [t0] is already defined (line 1)");
  }

  @Test
  void nestingIsBounded() throws Exception {
    int limit = TomlParser.MAX_DEPTH;
    assertThat(error("a = " + "[".repeat(limit + 1) + "]".repeat(limit + 1)))
        .isEqualTo(
            "line 1, column %d: arrays and inline tables nested more than %d deep"
                .formatted(4 + limit + 1, limit));
    assertThat(TomlReader.read("a = " + "[".repeat(limit) + "]".repeat(limit)).has("a")).isTrue();
  }
}
