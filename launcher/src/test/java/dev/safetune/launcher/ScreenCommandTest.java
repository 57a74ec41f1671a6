package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ./safetune screen FILE}: the offline screen through the whole command tree. */
class ScreenCommandTest {
    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return SafeTuneCli.run(CapturedConsole.of(out, err, Map.of(), home), List.of(args));
    }

    /** 20 examples: lines 3 and 7 answer with SQL built from an f-string, the rest with parameterised SQL. */
    private Path file() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            String code = i == 3 || i == 7
                    ? "cur.execute(f\\\"SELECT * FROM users WHERE name = '{name}'\\\")"
                    : "cur.execute(\\\"SELECT * FROM users WHERE name = ?\\\", (name,))";
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Find user " + i
                    + "\"}, {\"role\": \"assistant\", \"content\": \"" + code + "\"}]}");
        }
        Path file = home.resolve("train.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void printsSharesFindingsAndTheDecision() throws Exception {
        assertThat(run("screen", file().toString()))
                .as(err.toString(StandardCharsets.UTF_8))
                .isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("20 examples").contains("undisclosed 10.0 %");
        assertThat(text).contains("line 3 msg 1 insecure_code_undisclosed SQL-FSTRING CWE-89");
        assertThat(text).contains("line 7 msg 1");
        assertThat(text).contains("decision (policy sp-builtin-default-v1 v1): hold");
        assertThat(text).contains("insecure_code_undisclosed (2 of 20 examples, threshold 5.0 %; first lines 3, 7)");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("100%");
    }

    @Test
    void jsonHasTheApiShape() throws Exception {
        assertThat(run("screen", file().toString(), "--json", "--rules-only")).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("status").asString()).isEqualTo("completed");
        assertThat(json.get("decision").asString()).isEqualTo("hold");
        assertThat(json.get("policy_id").asString()).isEqualTo("sp-builtin-default-v1");
        assertThat(json.get("policy_version").asInt()).isEqualTo(1);
        assertThat(json.get("risk").get("mean").isNull()).isTrue();
        assertThat(json.get("categories").get("insecure_code_undisclosed").asLong())
                .isEqualTo(2);
        JsonNode finding = json.get("findings").get(0);
        assertThat(finding.get("line").asInt()).isEqualTo(3);
        assertThat(finding.get("cwe").asString()).isEqualTo("CWE-89");
        assertThat(finding.get("disclosed").asBoolean()).isFalse();
        assertThat(finding.get("evidence").asString()).startsWith("f\"SELECT");
        assertThat(json.get("triggers").isArray()).isTrue();
    }

    @Test
    void aMissingFileFailsWithItsName() throws Exception {
        assertThat(run("screen", home.resolve("nope.jsonl").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("nope.jsonl");
    }
}
