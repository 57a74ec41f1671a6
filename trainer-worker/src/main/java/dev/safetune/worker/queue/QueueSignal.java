package dev.safetune.worker.queue;

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
 * LISTENs on {@link JobQueue#CHANNEL} so an idle worker wakes as soon as a job is queued instead of polling. The
 * connection is held for the worker's life and re-opened when it breaks; a missed NOTIFY costs at most one poll
 * interval, because the consumer looks at the queue after every wait anyway.
 */
public class QueueSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueSignal.class);

    private final DataSource dataSource;
    private Connection connection;

    public QueueSignal(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Blocks until a job is announced or {@code timeout} passes; returns whether a notification arrived. */
    public boolean await(Duration timeout) throws InterruptedException {
        try {
            PGConnection pg = listening();
            PGNotification[] notifications = pg.getNotifications((int) Math.max(1, timeout.toMillis()));
            return notifications != null && notifications.length > 0;
        } catch (SQLException e) {
            log.warn("LISTEN connection failed; falling back to polling: {}", e.toString());
            closeQuietly();
            Thread.sleep(timeout.toMillis());
            return false;
        }
    }

    private PGConnection listening() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute("LISTEN " + JobQueue.CHANNEL);
            }
        }
        return connection.unwrap(PGConnection.class);
    }

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
        connection = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
