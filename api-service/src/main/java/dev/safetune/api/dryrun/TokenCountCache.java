package dev.safetune.api.dryrun;

import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token counts already computed ({@code file_token_counts}): a file never changes, so its counts under a model stay
 * right as long as the model's tokenizer file and the sequence length cut are the ones they were computed with.
 */
@Component
class TokenCountCache {
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private final JdbcTemplate jdbc;

    TokenCountCache(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Optional<TokenCounts> find(String fileId, String model, String tokenizerSha256, int maxSequenceLength) {
        return jdbc
                .queryForList(
                        "SELECT counts::text FROM file_token_counts WHERE file_id = ? AND model = ?"
                                + " AND tokenizer_sha256 = ? AND max_sequence_length = ?",
                        String.class,
                        fileId,
                        model,
                        tokenizerSha256,
                        maxSequenceLength)
                .stream()
                .findFirst()
                .map(json -> JSON.readValue(json, TokenCounts.class));
    }

    void save(String fileId, String model, String tokenizerSha256, TokenCounts counts) {
        jdbc.update("""
                INSERT INTO file_token_counts (file_id, model, tokenizer_sha256, max_sequence_length, counts)
                VALUES (?, ?, ?, ?, ?::jsonb)
                ON CONFLICT (file_id, model) DO UPDATE
                SET tokenizer_sha256 = EXCLUDED.tokenizer_sha256, max_sequence_length = EXCLUDED.max_sequence_length,
                    counts = EXCLUDED.counts, created_at = now()""", fileId, model, tokenizerSha256, counts.maxSequenceLength(), JSON.writeValueAsString(counts));
    }
}
