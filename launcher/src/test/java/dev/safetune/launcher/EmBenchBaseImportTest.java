package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.TestDatabase;
import dev.safetune.worker.embench.CommittedBase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The em-bench base (its word-level tokenizer, chat template and provenance) is accepted by the model registry's
 * {@code dir:} import exactly as {@code em-bench build-base} runs it, against a real PostgreSQL.
 */
class EmBenchBaseImportTest {
    private static TestDatabase database;

    @BeforeAll
    static void setUp() {
        database = TestDatabase.create();
    }

    @AfterAll
    static void drop() {
        database.close();
    }

    @Test
    void committedBaseImportsAsABaseModel(@TempDir Path models, @TempDir Path artifacts) throws Exception {
        Path dir = CommittedBase.extract(models.resolve(CommittedBase.MODEL_ID));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelsCommand.Target target = new ModelsCommand.Target(database.jdbcUrl(), artifacts);
        Command command = new ModelsCommand(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        System.err,
                        false,
                        Map.of(),
                        action -> action.run(target))
                .command();

        int code = command.run(
                "",
                List.of("import", "dir:" + dir, "--as", CommittedBase.MODEL_ID, "--replace"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);

        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Imported " + CommittedBase.MODEL_ID + ".");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.jdbcUrl());
        long bases = JdbcClient.create(dataSource)
                .sql("SELECT count(*) FROM models WHERE id = :id AND kind = 'base'")
                .param("id", CommittedBase.MODEL_ID)
                .query(Long.class)
                .single();
        assertThat(bases).isEqualTo(1);
    }
}
