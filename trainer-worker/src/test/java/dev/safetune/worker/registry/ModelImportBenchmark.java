package dev.safetune.worker.registry;

import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.testsupport.TestDatabase;
import dev.safetune.worker.registry.hub.HubSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Times an import of a generated model through the fake Hub over loopback: fetch (download, SHA-256, store) with 1
 * and with N parallel downloads, validation (headers, tokenizer, chat template, smoke forward pass), registration.
 * Not a unit test; needs {@code SAFETUNE_TEST_DB_URL}.
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.registry.ModelImportBenchmark -Dexec.args="1024 8 4"
 * </pre>
 *
 * Arguments: hidden size, layers, shards (also the parallel downloads of the second run).
 */
public final class ModelImportBenchmark {
    private ModelImportBenchmark() {}

    public static void main(String[] args) throws Exception {
        int hidden = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Path work = Files.createTempDirectory("safetune-import-benchmark");
        Path model = work.resolve("model");
        ModelConfig config = BaseModelGenerator.generate(
                model,
                "bench",
                1,
                new BaseModelGenerator.ModelShape(hidden, layers, 16, 8, hidden * 11 / 4, 2048, false));
        if (shards > 1) {
            ModelDirs.shard(model, shards);
        }
        try (TestDatabase database = TestDatabase.create();
                FakeHub hub = new FakeHub()) {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(database.jdbcUrl());
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            hub.publish("bench/model", model, Map.of());
            System.out.printf(
                    "model: %,d parameters, %d shard(s)%n%-9s %10s %9s %10s %9s %10s%n",
                    config.parameterCount(),
                    shards,
                    "parallel",
                    "bytes",
                    "fetch s",
                    "fetch MB/s",
                    "valid. s",
                    "register s");
            for (int parallel : new int[] {1, shards}) {
                Path artifacts = work.resolve("artifacts-" + parallel);
                ModelImporter importer = new ModelImporter(
                        dataSource,
                        artifacts,
                        HubSettings.of(hub.endpoint(), Optional.empty()).withParallelDownloads(parallel));
                Map<ImportStage, Long> started = new EnumMap<>(ImportStage.class);
                ImportedModel imported = importer.importModel(
                        ImportRequest.of("hf:bench/model").as("bench-" + parallel), new ImportProgress() {
                            @Override
                            public void stage(ImportStage stage, String detail) {
                                started.put(stage, System.nanoTime());
                            }
                        });
                long end = System.nanoTime();
                double fetch = (started.get(ImportStage.VALIDATING) - started.get(ImportStage.FETCHING)) / 1e9;
                double validate = (started.get(ImportStage.REGISTERING) - started.get(ImportStage.VALIDATING)) / 1e9;
                double register = (end - started.get(ImportStage.REGISTERING)) / 1e9;
                System.out.printf(
                        "%-9d %,10d %9.2f %10.1f %9.2f %10.3f%n",
                        parallel,
                        imported.totalBytes(),
                        fetch,
                        imported.totalBytes() / 1e6 / fetch,
                        validate,
                        register);
            }
        } finally {
            ModelStore.deleteRecursively(work);
        }
    }
}
