package dev.safetune.worker.work;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * How one kind of work is leased: a worker is presumed dead once its lease ran out ({@code leaseDuration} after the
 * last renewal; a healthy worker renews every {@code heartbeatInterval}), and an item whose lease ran out on its
 * {@code maxAttempts}-th claim is given up instead of re-queued, so work that keeps killing its worker does not loop.
 *
 * @param maxAttempts empty: each row's own {@code max_attempts} column decides (jobs carry one)
 */
public record WorkPolicy(Duration leaseDuration, Duration heartbeatInterval, OptionalInt maxAttempts) {

    public WorkPolicy {
        // Lease timeout > heartbeat interval x missed beats allowed: three beats may fail before another worker takes
        // the item over.
        if (leaseDuration.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("the lease (" + leaseDuration + ") must be at least 3 x the heartbeat"
                    + " interval (" + heartbeatInterval + ")");
        }
        if (maxAttempts.isPresent() && maxAttempts.getAsInt() < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts.getAsInt());
        }
    }

    /** The SQL the expiry compares {@code attempts} with: the policy's number, or the row's column. */
    String maxAttemptsSql() {
        return maxAttempts.isPresent() ? Integer.toString(maxAttempts.getAsInt()) : "max_attempts";
    }
}
