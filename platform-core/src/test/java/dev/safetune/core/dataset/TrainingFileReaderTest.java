package dev.safetune.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainingFileReaderTest {
    private static final String GOOD =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}";

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String goodLines(int n, String separator) {
        return String.join(separator, java.util.Collections.nCopies(n, GOOD));
    }

    @Test
    void crlfAndBlankLinesAreAccepted() throws IOException {
        String file = goodLines(5, "\r\n") + "\r\n\r\n   \r\n" + goodLines(5, "\r\n") + "\r\n";

        ValidationReport report = new TrainingFileReader().validate(stream(file));

        assertThat(report.valid()).isTrue();
        assertThat(report.examples()).isEqualTo(10);
        assertThat(report.lines()).isEqualTo(12);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{not json|''|invalid JSON: unexpected character 'n': expected double-quote to start property name (column 2)",
                "[1,2]|''|must be a JSON object",
                "{\"other\":1}|messages|is required",
                "{\"messages\":{}}|messages|must be an array",
                "{\"messages\":[]}|messages|must not be empty",
                "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|messages[0].role|must be one of",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"\"}]}|messages[0].content|must not be empty",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":5}]}|messages[0].content|must be a string",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|messages|at least one assistant message",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"weight\":2}]}|messages[0].weight|must be 0 or 1",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"weight\":1},{\"role\":\"assistant\",\"content\":\"y\"}]}|messages[0].weight|only allowed on assistant",
                "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"tool\":1}]}|messages[0].tool|not a supported field"
            })
    void eachKindOfBadLineIsReportedWithItsLineAndField(String badLine, String field, String reason)
            throws IOException {
        String file = goodLines(3, "\n") + "\n\n" + badLine + "\n" + goodLines(10, "\n");

        ValidationReport report = new TrainingFileReader().validate(stream(file));

        assertThat(report.valid()).isFalse();
        LineError error = report.errors().getFirst();
        assertThat(error.line()).isEqualTo(5);
        assertThat(error.field()).isEqualTo(field.isEmpty() ? null : field);
        assertThat(error.message()).contains(reason);
        assertThat(report.summary()).startsWith("line 5: ");
    }

    @Test
    void everyBadLineIsCountedButOnlyTheCapIsKept() throws IOException {
        String file = "{bad\n".repeat(30) + goodLines(10, "\n");

        ValidationReport report = new TrainingFileReader(20).validate(stream(file));

        assertThat(report.errorCount()).isEqualTo(30);
        assertThat(report.errors()).hasSize(20);
        assertThat(report.summary()).endsWith("and 25 more");
    }

    @Test
    void tooFewExamplesIsAFileLevelError() throws IOException {
        ValidationReport report = new TrainingFileReader().validate(stream(goodLines(9, "\n")));

        assertThat(report.errors()).containsExactly(LineError.ofFile("has 9 example(s); at least 10 are required"));
    }

    private static byte[] bytes(Object... parts) {
        var out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            byte[] b = part instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) part;
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static ValidationReport validate(byte[] file) throws IOException {
        return new TrainingFileReader().validate(new ByteArrayInputStream(file));
    }

    @Test
    void invalidUtf8IsReportedOnTheLineThatHoldsItAndReadingGoesOn() throws IOException {
        // 200 good lines (well past the 64 KiB a stream decoder reads ahead), then "{\"x\":\"" 0xC3 0x28 "\"}".
        byte[] file = bytes(
                goodLines(200, "\n") + "\n",
                "{\"a\":\"",
                new byte[] {(byte) 0xC3, (byte) 0x28},
                "\"}\n",
                goodLines(5, "\n") + "\n");

        ValidationReport report = validate(file);

        assertThat(report.errorCount()).isEqualTo(1);
        assertThat(report.errors().getFirst())
                .isEqualTo(new LineError(
                        201,
                        null,
                        "invalid UTF-8: byte 0xC3 at byte 7 of the line does not start or continue a character"));
        assertThat(report.lines()).isEqualTo(206);
        assertThat(report.examples()).isEqualTo(205);
    }

    @Test
    void aTruncatedCharacterAtTheEndOfTheLastLineIsReportedOnIt() throws IOException {
        byte[] file = bytes(goodLines(10, "\r\n") + "\r\n", "{\"a\":\"", new byte[] {(byte) 0xE2, (byte) 0x82});

        ValidationReport report = validate(file);

        assertThat(report.errors().getFirst().line()).isEqualTo(11);
        assertThat(report.errors().getFirst().message()).startsWith("invalid UTF-8: byte 0xE2 at byte 7");
        assertThat(report.lines()).isEqualTo(11);
    }

    @Test
    void aRealReplacementCharacterIsValidText() throws IOException {
        String withReplacement = GOOD.replace("hello", "hello \uFFFD");

        ValidationReport report = validate(bytes(goodLines(9, "\n") + "\n" + withReplacement + "\n"));

        assertThat(report.valid()).isTrue();
        assertThat(report.examples()).isEqualTo(10);
    }

    @Test
    void aByteOrderMarkIsDroppedAndColumnsAndLinesStayRight() throws IOException {
        byte[] file = bytes(
                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, goodLines(10, "\r\n"), "\r\n{\"messages\":[}\r\n");

        ValidationReport report = validate(file);

        assertThat(report.lines()).isEqualTo(11);
        assertThat(report.examples()).isEqualTo(10);
        assertThat(report.errors())
                .containsExactly(
                        new LineError(11, null, "invalid JSON: unexpected close marker '}': expected ']' (column 14)"));
    }

    @Test
    void crlfBlankLinesAndWhitespaceKeepTheLineCount() throws IOException {
        byte[] file = bytes("\r\n\n  \t\r\n", goodLines(10, "\r\n\r\n"), "\r\n\r\n{\"messages\":[]}\r\n\r\n");

        ValidationReport report = validate(file);

        // 3 blank lines, 10 good ones with 9 blank ones between them, 1 blank, the bad one, 1 blank.
        assertThat(report.errors()).containsExactly(new LineError(24, "messages", "must not be empty"));
        assertThat(report.lines()).isEqualTo(25);
        assertThat(report.summary()).isEqualTo("line 24: messages must not be empty");
    }

    @Test
    void badJsonAfterManyGoodLinesNamesItsLineAndColumn() throws IOException {
        String truncated = GOOD.substring(0, GOOD.length() - 1); // the closing brace is missing
        byte[] file = bytes(goodLines(5000, "\n"), "\n", truncated, "\n", goodLines(3, "\n"));

        ValidationReport report = validate(file);

        assertThat(report.summary())
                .isEqualTo("line 5001: invalid JSON: unexpected end of input: expected '}' to close an object (column "
                        + (truncated.length() + 1) + ")");
        assertThat(report.lines()).isEqualTo(5004);
        assertThat(report.examples()).isEqualTo(5003);
    }

    @Test
    void aLineLongerThanTheLimitIsAnErrorOnItsLineAndTheRestIsRead() throws IOException {
        String huge = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(300_000) + "\"}]}";
        byte[] file = bytes(goodLines(4, "\n"), "\n", huge, "\r\n", goodLines(10, "\n"));

        ValidationReport report = new TrainingFileReader(100, 100_000).validate(new ByteArrayInputStream(file));

        assertThat(report.errors()).containsExactly(new LineError(5, null, "is longer than 100000 bytes"));
        assertThat(report.lines()).isEqualTo(15);
        assertThat(report.examples()).isEqualTo(14);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"messages\":[",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}",
                "{\"a\":1,\"a\":2}",
                "{\"a\":NaN}",
                "{\"a\":tru}",
                "{\"a\":\"unterminated",
                "{\"a\":01}",
                "{'a':1}",
                "{\"a\":1} trailing"
            })
    void jsonErrorsSpeakOfTheLineNotOfTheParser(String badLine) throws IOException {
        ValidationReport report = validate(bytes(goodLines(10, "\n") + "\n" + badLine + "\n"));

        String summary = report.summary();
        assertThat(summary).startsWith("line 11: invalid JSON: ").containsPattern("\\(column \\d+\\)$");
        assertThat(summary)
                .doesNotContain("Source", "REDACTED", "#UNKNOWN", "Feature", "`", "jackson", "Exception", "code ");
    }

    @Test
    void readAllKeepsMessagesWeightsAndLineNumbers() throws IOException {
        String weighted =
                "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u\"},"
                        + "{\"role\":\"assistant\",\"content\":\"skip\",\"weight\":0},{\"role\":\"user\",\"content\":\"u2\"},"
                        + "{\"role\":\"assistant\",\"content\":\"learn\"}]}";
        String file = "\n" + weighted + "\n" + goodLines(9, "\n");

        List<ChatExample> examples = new TrainingFileReader().readAll(stream(file));

        assertThat(examples).hasSize(10);
        ChatExample first = examples.getFirst();
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.messages()).extracting(ChatMessage::trained).containsExactly(false, false, false, false, true);
    }

    @Test
    void readAllRefusesAnInvalidFile() {
        assertThatThrownBy(() -> new TrainingFileReader().readAll(stream("{bad\n" + goodLines(10, "\n"))))
                .isInstanceOf(InvalidTrainingFileException.class)
                .hasMessageContaining("line 1");
    }
}
