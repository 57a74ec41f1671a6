package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@code ./safetune models import} against a real PostgreSQL: what it prints, registers and refuses. */
class ModelsCommandTest {
    private static TestDatabase database;
    private static Path model;

    @TempDir
    Path artifacts;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void setUp(@TempDir Path models) throws Exception {
        database = TestDatabase.create();
        model = models.resolve("tiny-chat");
        BaseModelGenerator.generate(
                model, "tiny-chat", 5, new BaseModelGenerator.ModelShape(32, 1, 4, 2, 64, 128, false));
    }

    @AfterAll
    static void drop() {
        database.close();
    }

    private int run(String... args) throws Exception {
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        ModelsCommand.Target target = new ModelsCommand.Target(database.jdbcUrl(), artifacts);
        Command models =
                new ModelsCommand(outStream, errStream, false, Map.of(), action -> action.run(target)).command();
        return models.run("", List.of(args), outStream, errStream);
    }

    @Test
    void importsADirectoryAndSaysSoWhenRunAgain() throws Exception {
        assertThat(run("import", "dir:" + model, "--as", "tiny-chat-cli")).isZero();

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed)
                .contains("Fetching dir:" + model)
                .contains("[##############################] 100%")
                .contains("Imported tiny-chat-cli.\n  LlamaForCausalLM (llama), ")
                .contains("Fine-tune it with \"model\": \"tiny-chat-cli\".");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.jdbcUrl());
        String storage = JdbcClient.create(dataSource)
                .sql("SELECT storage_path FROM models WHERE id = 'tiny-chat-cli' AND kind = 'base'")
                .query(String.class)
                .single();
        assertThat(Path.of(storage)).startsWith(artifacts.resolve("models/snapshots"));
        assertThat(Files.isRegularFile(Path.of(storage).resolve("config.json"))).isTrue();

        out.reset();
        assertThat(run("import", "dir:" + model, "--as", "tiny-chat-cli")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("tiny-chat-cli is already imported with this content; nothing changed.");
    }

    @Test
    void badArgumentsExitWithUsageNamingTheArgument() throws Exception {
        assertThat(run("import", "dir:" + model, "--parallel", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("safetune models import: --parallel must be 1 to 64, got 0\n")
                .contains("usage: safetune models import SOURCE [--as ID] [--replace] [--parallel N]");

        err.reset();
        assertThat(run("import", "dir:" + model, "--as", "ft:nope")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("model id \"ft:nope\" must be");
    }

    @Test
    void failedImportExitsWithTheCodeAndField(@TempDir Path empty) throws Exception {
        Files.writeString(empty.resolve("tokenizer.json"), "{}");

        assertThat(run("import", "dir:" + empty)).isEqualTo(1);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("safetune models import: file_not_found (config.json)");
    }
}
