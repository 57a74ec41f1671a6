package dev.safetune.worker.work;

import java.util.Map;

/**
 * A kind-specific condition a claimable row must also meet for this worker (a job's memory estimate fits the
 * worker), as an SQL fragment over the kind's table (alias {@code w}) and its named parameters.
 */
public record ClaimFilter(String sql, Map<String, Object> params) {
    public static final ClaimFilter NONE = new ClaimFilter("TRUE", Map.of());
}
