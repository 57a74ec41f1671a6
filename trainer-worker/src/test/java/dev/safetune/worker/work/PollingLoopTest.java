package dev.safetune.worker.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The loop that serves the job and import queues: errors retried, stray interrupts survived, a prompt stop. */
class PollingLoopTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    /** Runs the rounds it is given: each a value to return, or an exception to throw. */
    private static final class ScriptedLoop extends PollingLoop {
        final BlockingQueue<Object> script = new LinkedBlockingQueue<>();
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicInteger beforeInterrupt = new AtomicInteger();
        final AtomicInteger afterStop = new AtomicInteger();

        ScriptedLoop(Duration pollInterval) {
            super("scripted-loop", new NotificationSignal(database.dataSource(), "polling_loop_test"), pollInterval);
        }

        @Override
        public boolean runNext() throws InterruptedException {
            rounds.incrementAndGet();
            Object next = script.poll();
            if (next instanceof InterruptedException e) {
                throw e;
            }
            if (next instanceof RuntimeException e) {
                throw e;
            }
            return Boolean.TRUE.equals(next);
        }

        @Override
        protected void beforeInterrupt() {
            beforeInterrupt.incrementAndGet();
        }

        @Override
        protected void afterStop() {
            afterStop.incrementAndGet();
        }
    }

    @Test
    void anErrorIsRetriedAfterThePollIntervalAndAStrayInterruptDoesNotEndTheLoop() throws Exception {
        ScriptedLoop loop = new ScriptedLoop(Duration.ofMillis(50));
        loop.script.add(new IllegalStateException("database unavailable"));
        loop.script.add(new InterruptedException("meant for work that has ended"));
        loop.script.add(true);
        loop.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loop.rounds.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(loop.rounds.get())
                    .as("rounds after the error and the interrupt")
                    .isGreaterThanOrEqualTo(5);
            assertThat(loop.isRunning()).isTrue();
            assertThat(loop.stopping()).isFalse();
        } finally {
            loop.stop();
        }
    }

    @Test
    void stopEndsAnIdleWaitAtOnceAndRunsTheHooks() throws Exception {
        ScriptedLoop loop = new ScriptedLoop(Duration.ofMinutes(10));
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (loop.rounds.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200); // now waiting on the signal, for ten minutes unless stopped

        long started = System.nanoTime();
        loop.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(loop.isRunning()).isFalse();
        assertThat(loop.stopping()).isTrue();
        assertThat(loop.beforeInterrupt.get()).isEqualTo(1);
        assertThat(loop.afterStop.get()).isEqualTo(1);
        assertThat(loop.rounds.get()).isEqualTo(1);
    }

    @Test
    void aLoopDrivenByItsCallerIsNotStopping() throws Exception {
        ScriptedLoop loop = new ScriptedLoop(Duration.ofSeconds(1));
        loop.script.add(true);

        assertThat(loop.runNext()).isTrue();
        assertThat(loop.runNext()).isFalse();
        assertThat(loop.stopping()).isFalse();
        assertThat(loop.isRunning()).isFalse();
    }
}
