package dev.safetune.worker.placement;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code workers} table as a worker writes it: its row says what it offers and, through {@code last_seen_at},
 * that it is alive. The API counts a worker as live while it was seen within {@code safetune.placement.worker-ttl}.
 */
public class WorkerRegistry {
    private final JdbcClient jdbc;

    public WorkerRegistry(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Writes this worker's row and marks it seen now. Every heartbeat writes the whole row, so a row an operator
     * deleted comes back and a changed capacity (a restart with another setting) is current.
     */
    public void announce(String workerId, WorkerCapacity capacity) {
        jdbc.sql("""
                        INSERT INTO workers (id, device, memory_bytes) VALUES (:id, :device, :memory)
                        ON CONFLICT (id) DO UPDATE
                           SET device = EXCLUDED.device, memory_bytes = EXCLUDED.memory_bytes, last_seen_at = now()
                        """)
                .param("id", workerId)
                .param("device", capacity.device())
                .param("memory", capacity.memoryBytes())
                .update();
    }

    /** Removes the row of a worker that stops cleanly, so placement stops counting on it at once. */
    public void leave(String workerId) {
        jdbc.sql("DELETE FROM workers WHERE id = :id").param("id", workerId).update();
    }
}
