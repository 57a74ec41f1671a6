package dev.safetune.worker.job;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.id.Ids;
import dev.safetune.worker.queue.ResultFile;
import dev.safetune.worker.training.ExampleLossProbe;
import dev.safetune.worker.training.ExampleLossProbe.ExampleLoss;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * The per-example diagnostics a customer gets with a finished job: each training example's loss under the base model
 * (before training) and under the fine-tuned model (after), as a JSON Lines result file, hardest rows first. The rows
 * at the top are those the model still fights; a positive {@code delta} marks a row whose loss rose.
 */
final class ExampleDiagnostics {
    private final ExampleLossProbe probe = new ExampleLossProbe();
    private final JsonMapper json = JsonMapper.builder().build();

    /** One line of the result file. */
    record Row(int line, double lossStart, double lossEnd, double delta, int trainedTokens) {}

    /**
     * Measures both models and writes the file into {@code filesDir} (the owner's file area), atomically.
     *
     * @param baseModel the model training started from
     * @param fineTuned the trained model (or adapter) directory
     */
    ResultFile write(
            Path baseModel, Path fineTuned, List<ChatExample> training, int maxSeqLen, Path filesDir, String jobId)
            throws IOException {
        List<ExampleLoss> before = probe.measure(baseModel, baseModel, training, maxSeqLen);
        Map<Integer, ExampleLoss> after = probe.measure(fineTuned, baseModel, training, maxSeqLen).stream()
                .collect(Collectors.toMap(ExampleLoss::line, Function.identity()));
        List<Row> rows = before.stream()
                .map(start -> {
                    double end = after.get(start.line()).loss();
                    return new Row(start.line(), start.loss(), end, end - start.loss(), start.trainedTokens());
                })
                .sorted(Comparator.comparingDouble(Row::lossEnd).reversed())
                .toList();

        String id = Ids.newId("file");
        Files.createDirectories(filesDir);
        Path target = filesDir.resolve(id + ".jsonl");
        Path temp = Files.createTempFile(filesDir, ".result-", ".tmp");
        MessageDigest sha256 = sha256();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha256)) {
            for (Row row : rows) {
                out.write(json.writeValueAsBytes(toJson(row)));
                out.write('\n');
            }
        } catch (IOException | UncheckedIOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return new ResultFile(
                id,
                jobId + "-example-losses.jsonl",
                Files.size(target),
                HexFormat.of().formatHex(sha256.digest()),
                target.toString());
    }

    private static Map<String, Object> toJson(Row row) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("line", row.line());
        out.put("loss_start", round(row.lossStart()));
        out.put("loss_end", round(row.lossEnd()));
        out.put("delta", round(row.delta()));
        out.put("trained_tokens", row.trainedTokens());
        return out;
    }

    private static double round(double value) {
        return Math.round(value * 1e5) / 1e5;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
