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
                "{not json|''|is not valid JSON",
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

    @Test
    void invalidUtf8IsReportedOnItsLine() throws IOException {
        byte[] good = (goodLines(2, "\n") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, '\n'};
        byte[] file = new byte[good.length + bad.length];
        System.arraycopy(good, 0, file, 0, good.length);
        System.arraycopy(bad, 0, file, good.length, bad.length);

        ValidationReport report = new TrainingFileReader().validate(new ByteArrayInputStream(file));

        assertThat(report.errors().getFirst().message()).isEqualTo("is not valid UTF-8");
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
