package dev.safetune.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/** Jackson's syntax errors, each said in the writer's terms with its position and nothing of the parser. */
class JsonSyntaxErrorTest {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static JacksonException parse(String json) {
        return catchThrowableOfType(JacksonException.class, () -> MAPPER.readTree(json));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "{\"a\":1|unexpected end of input: expected '}' to close an object (column 7)",
                "{\"a\":[1,2}|unexpected close marker '}': expected ']' (column 10)",
                "{\"a\":1,\"a\":2}|duplicate field \"a\" (column 11)",
                "{\"a\":NaN}|non-standard token 'NaN' (column 9)",
                "{\"a\":tru}|unrecognized token 'tru': expected a JSON value (column 6)",
                "{'a':1}|unexpected character ''': expected double-quote to start property name (column 2)",
                "{\"a\":\"x|unexpected end of input: expected closing quote for a string value (column 8)",
                "{\"a\":01}|invalid numeric value: Leading zeroes not allowed (column 7)"
            })
    void onALineTheReasonAndColumnAreTheWritersTerms(String json, String expected) {
        String message = JsonSyntaxError.onLine(parse(json));

        assertThat(message)
                .isEqualTo(expected)
                .doesNotContain("Source", "REDACTED", "#UNKNOWN", "Feature", "`", "code ");
    }

    @Test
    void inADocumentTheLineComesToo() {
        String message = JsonSyntaxError.inDocument(parse("{\n  \"a\": \n"));

        assertThat(message).isEqualTo("unexpected end of input within/between object entries (line 3, column 1)");
    }
}
