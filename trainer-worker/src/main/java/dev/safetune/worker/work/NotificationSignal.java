package dev.safetune.worker.work;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on one PostgreSQL channel so that an idle consumer wakes as soon as work is announced (a job queued on
 * {@code safetune_jobs}, a model import on {@code ImportStatus.CHANNEL}) instead of polling. The connection is held
 * for the consumer's life and re-opened when it breaks; a missed NOTIFY costs at most one poll interval, because
 * consumers look at their queue after every wait anyway.
 */
public class NotificationSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotificationSignal.class);
    private static final Pattern CHANNEL_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private final DataSource dataSource;
    private final String channel;
    private volatile Connection connection;
    private volatile boolean closed;

    public NotificationSignal(DataSource dataSource, String channel) {
        if (!CHANNEL_NAME.matcher(channel).matches()) {
            // LISTEN takes an identifier, not a bind parameter.
            throw new IllegalArgumentException("not a plain channel name: " + channel);
        }
        this.dataSource = dataSource;
        this.channel = channel;
    }

    /**
     * Blocks until a notification arrives or {@code timeout} passes; returns whether one arrived.
     *
     * @throws InterruptedException when interrupted, or when {@link #close()} ends the wait
     */
    public boolean await(Duration timeout) throws InterruptedException {
        try {
            PGConnection pg = listening();
            PGNotification[] notifications = pg.getNotifications((int) Math.max(1, timeout.toMillis()));
            return notifications != null && notifications.length > 0;
        } catch (SQLException e) {
            closeQuietly();
            if (closed || Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped listening on " + channel);
            }
            log.warn("LISTEN connection for {} failed; falling back to polling: {}", channel, e.toString());
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
                s.execute("LISTEN " + channel);
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
     * interrupt, but it does when its connection is closed, so this is how a stopping consumer ends its wait at once.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }
}
