package dev.safetune.worker.modelimport;

import dev.safetune.core.modelimport.ImportStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on {@link ImportStatus#CHANNEL} so an idle import runner starts as soon as the admin API queues an import.
 * The connection is held for the runner's life and re-opened when it breaks; a missed NOTIFY costs at most one poll
 * interval, because the runner looks at the queue after every wait anyway. (The job queue's {@code QueueSignal} does
 * the same on its own channel.)
 */
class ImportSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImportSignal.class);

    private final DataSource dataSource;
    private volatile Connection connection;
    private volatile boolean closed;

    ImportSignal(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Blocks until an import is announced or {@code timeout} passes; returns whether a notification arrived.
     *
     * @throws InterruptedException when interrupted, or when {@link #close()} ends the wait
     */
    boolean await(Duration timeout) throws InterruptedException {
        try {
            PGConnection pg = listening();
            PGNotification[] notifications = pg.getNotifications((int) Math.max(1, timeout.toMillis()));
            return notifications != null && notifications.length > 0;
        } catch (SQLException e) {
            closeQuietly();
            if (closed || Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped waiting for model imports");
            }
            log.warn("LISTEN connection for model imports failed; falling back to polling: {}", e.toString());
            Thread.sleep(timeout.toMillis());
            return false;
        }
    }

    private PGConnection listening() throws SQLException {
        Connection current = connection;
        if (current == null || current.isClosed()) {
            if (closed) {
                throw new SQLException("closed");
            }
            current = dataSource.getConnection();
            current.setAutoCommit(true);
            try (Statement s = current.createStatement()) {
                s.execute("LISTEN " + ImportStatus.CHANNEL);
            }
            connection = current;
        }
        return current.unwrap(PGConnection.class);
    }

    private void closeQuietly() {
        Connection current = connection;
        connection = null;
        try {
            if (current != null) {
                current.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
    }

    /**
     * Stops listening. Safe to call from another thread while {@link #await} blocks: a socket read does not end on an
     * interrupt, but it does when its connection is closed, so this is how a stopping runner ends its wait at once.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }
}
