package dev.safetune.api.dryrun;

import dev.safetune.api.SafetuneProperties;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Turns token counts into cost and duration. The price is a setting; the speed is never assumed: it is the workers'
 * measured tokens/second for the model ({@code training_throughput}, which they update after each job), and without
 * a measurement there is no duration.
 */
@Component
class TrainingEstimator {
    static final String NO_MEASUREMENT = "none: no job has run on this model yet";
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final JdbcTemplate jdbc;
    private final BigDecimal usdPerMillionTokens;

    TrainingEstimator(JdbcTemplate jdbc, SafetuneProperties properties) {
        this.jdbc = jdbc;
        this.usdPerMillionTokens = properties.pricing().usdPerMillionTokens();
    }

    private record Throughput(double tokensPerSecond, int jobs, Timestamp updatedAt) {}

    Estimate estimate(String model, long tokensPerEpoch, int epochs) {
        long trainedTokens = Math.multiplyExact(tokensPerEpoch, (long) epochs);
        double cost = BigDecimal.valueOf(trainedTokens)
                .multiply(usdPerMillionTokens)
                .divide(MILLION, 6, RoundingMode.HALF_UP)
                .doubleValue();
        Optional<Throughput> measured = jdbc
                .query(
                        "SELECT tokens_per_second, jobs, updated_at FROM training_throughput WHERE model = ?",
                        (rs, row) -> new Throughput(rs.getDouble(1), rs.getInt(2), rs.getTimestamp(3)),
                        model)
                .stream()
                .findFirst();
        if (measured.isEmpty()) {
            return new Estimate(trainedTokens, epochs, cost, null, null, NO_MEASUREMENT);
        }
        Throughput throughput = measured.get();
        long seconds = (long) Math.ceil(trainedTokens / throughput.tokensPerSecond());
        String source = "measured: exponentially weighted mean over " + throughput.jobs() + " job(s) on this model,"
                + " last updated " + throughput.updatedAt().toInstant().truncatedTo(ChronoUnit.SECONDS);
        return new Estimate(trainedTokens, epochs, cost, seconds, throughput.tokensPerSecond(), source);
    }
}
