package dev.safetune.worker.work;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.safetune.core.job.JobTransition;
import dev.safetune.worker.queue.JobQueue;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The leased-work queue measured the way the db-scheduler peer benchmark measures db-scheduler, so the two can run
 * side by side on one machine (see docs/benchmarks.md, "Leased-work queue"). Not a test: surefire does not pick up
 * {@code *Benchmark}.
 *
 * <p><b>A. Throughput.</b> N no-op jobs (default 20,000) of one organisation, queued before the workers start; T
 * worker threads (2, 8, 16) each loop claim (the fair claim the worker uses, with the job kind's real SQL) → body (an
 * increment) → complete (the fenced {@link JobTransition#SUCCEED} transition); the clock runs from the workers'
 * start to the last completion committed. cycles/s = N / that time. Pool size T + 4, as the peer. Modes: the
 * platform's {@link WorkLoop} per thread with a {@link ShortWorkHandler} ({@code loop}: claims of {@code --per-thread}
 * rows, default 4, their endings written with the next claim in one commit); the completion and the next claim in one
 * transaction ({@code chained}, {@link LeasedWorkQueue#completeAndClaim}, one commit per cycle); each in its own
 * transaction ({@code separate}, two commits per cycle, as the training and import handlers do); one
 * {@link BatchClaimer} per process ({@code batch}). One more row with the jobs spread over 100 organisations shows
 * what the fair claim costs. Each run prints {@code PROFILE} lines: the claim and completion statements' mean time per
 * tenth of the run, and the run's deltas of {@code pg_stat_user_indexes} / {@code pg_stat_user_tables}.
 *
 * <p><b>B. Latency across processes.</b> A child JVM runs 4 {@link WorkLoop}s (one LISTEN connection each, poll
 * interval 10 s so only a NOTIFY wakes them). This process enqueues 500 jobs one at a time (INSERT and NOTIFY in one
 * transaction, as the API does) with exponentially distributed gaps (mean 50 ms, open loop); latency = the wall clock
 * at the first line of the handler in the child minus the wall clock just after the enqueue's commit returned here
 * (same machine, same clock). Percentiles are nearest-rank.
 *
 * <p>Run: {@code --url jdbc:postgresql://127.0.0.1:5432/ --user postgres [--n 20000] [--threads 2,8,16]
 * [--modes loop,claimer,chained,separate,batch] [--per-thread 4]}. It
 * creates a fresh database {@code safetune_queue_bench}, migrates it, and drops it at the end.
 */
public final class LeasedWorkBenchmark {
    private static final String DB = "safetune_queue_bench";
    private static final WorkPolicy POLICY =
            new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), OptionalInt.empty());
    private static final WorkKind JOBS = JobQueue.kind(POLICY);
    private static final String COMPLETE = ", version = version + 1, finished_at = now()";

    private LeasedWorkBenchmark() {}

    public static void main(String[] args) throws Exception {
        // Without a logback configuration on the test class path everything would log at DEBUG to stdout.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        Map<String, String> options = options(args);
        if (options.containsKey("consumer")) {
            consumer(options.get("consumer"), options.getOrDefault("user", "postgres"));
            return;
        }
        String server = options.getOrDefault("url", "jdbc:postgresql://127.0.0.1:5432/");
        String user = options.getOrDefault("user", "postgres");
        int n = Integer.parseInt(options.getOrDefault("n", "20000"));
        int[] threads = Arrays.stream(options.getOrDefault("threads", "2,8,16").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        String url = server + DB;
        try (Connection admin = DriverManager.getConnection(server + "postgres", user, null);
                Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DB);
        }
        try {
            Flyway.configure()
                    .dataSource(url, user, null)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            List<String> names =
                    List.of(options.getOrDefault("modes", "loop,chained").split(","));
            List<Mode> modes = names.stream().map(Mode::parse).toList();
            perThread = Integer.parseInt(options.getOrDefault("per-thread", "4"));
            run(url, user, n, threads, modes);
        } finally {
            try (Connection admin = DriverManager.getConnection(server + "postgres", user, null);
                    Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            }
        }
    }

    /** How the worker threads claim and complete. */
    enum Mode {
        /** Each thread claims for itself; completion and next claim in one commit. */
        CHAINED("complete+next claim in one commit"),
        /** Each thread claims for itself; claim and completion each in its own commit. */
        SEPARATE("claim and complete, one commit each"),
        /**
         * The platform's {@link WorkLoop} per thread with a {@link ShortWorkHandler}: claims of {@code --per-thread}
         * rows for the thread, each ending written with the next claim in one commit when the thread holds no more.
         */
        LOOP("WorkLoop, short work: claims of k rows per thread, ending + next claim in one commit"),
        /**
         * The platform's {@link WorkLoop} per thread with a {@link ShortWorkHandler}, all sharing one
         * {@link BatchClaimer} for the process: claims of {@code --per-thread} x threads rows in one statement,
         * prefetched at half the buffer; endings written in batches (with the next claim, or by a thread once a
         * quarter of a batch waits).
         */
        CLAIMER("WorkLoops sharing one claimer per process: claims of k x threads rows, endings written in batches"),
        /** One {@link BatchClaimer} per process (batches of 4 x threads, prefetched); each completion its own commit. */
        BATCH("batch claim of 4 x threads for the process, prefetched; complete one commit each");

        final String description;

        Mode(String description) {
            this.description = description;
        }

        static Mode parse(String name) {
            for (Mode mode : values()) {
                if (mode.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException(
                    "--modes takes loop, claimer, chained, separate and/or batch, got " + name);
        }
    }

    /** Rows a {@link Mode#LOOP} thread claims per statement ({@code --per-thread}). */
    private static int perThread = 4;

    private static void run(String url, String user, int n, int[] threads, List<Mode> modes) throws Exception {
        try (HikariDataSource setup = pool(url, user, 2)) {
            JdbcClient jdbc = JdbcClient.create(setup);
            System.out.println("leased-work queue benchmark | "
                    + Runtime.getRuntime().availableProcessors()
                    + " cores | PostgreSQL "
                    + jdbc.sql("SHOW server_version").query(String.class).single() + " | Java "
                    + System.getProperty("java.version"));
        }
        List<String> summary = new ArrayList<>();
        for (Mode mode : modes) {
            throughput(url, user, mode == Mode.SEPARATE ? 2_000 : 10_000, 8, 1, mode, "warm-up");
        }
        for (Mode mode : modes) {
            StringBuilder cycles = new StringBuilder(mode.name().toLowerCase(java.util.Locale.ROOT) + " cycles/s");
            for (int t : threads) {
                double rate = throughput(url, user, n, t, 1, mode, "A");
                cycles.append(" t").append(t).append('=').append(Math.round(rate));
            }
            if (mode != Mode.SEPARATE) {
                double spread = throughput(url, user, n, 8, 100, mode, "A");
                cycles.append(" t8-100orgs=").append(Math.round(spread));
            }
            summary.add(cycles.toString());
        }
        summary.add(latency(url, user));
        System.out.println("SUMMARY|" + String.join(" | ", summary));
    }

    private static HikariDataSource pool(String url, String user, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        return new HikariDataSource(config);
    }

    private static void reset(JdbcClient jdbc, int organisations) {
        jdbc.sql("TRUNCATE organizations, fine_tuning_jobs CASCADE").update();
        jdbc.sql("INSERT INTO organizations (id, name) SELECT 'org-' || g, 'org ' || g FROM generate_series(0, :n) g")
                .param("n", organisations - 1)
                .update();
        jdbc.sql("VACUUM ANALYZE fine_tuning_jobs").update();
    }

    /** Scenario A: N queued no-op jobs, T threads of claim → body → complete. */
    private static double throughput(
            String url, String user, int n, int threads, int organisations, Mode mode, String label)
            throws InterruptedException {
        try (HikariDataSource ds = pool(url, user, threads + 4)) {
            JdbcClient jdbc = JdbcClient.create(ds);
            reset(jdbc, organisations);
            long enqueueStart = System.nanoTime();
            jdbc.sql("""
                            INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                          hyperparameters, seed, queued_at)
                            SELECT 'bench-' || g, 'org-' || (g % :orgs), 'm', 'f', 'queued', '{}', 1, clock_timestamp()
                              FROM generate_series(1, :n) g""").param("orgs", organisations).param("n", n).update();
            double enqueueSeconds = (System.nanoTime() - enqueueStart) / 1e9;
            jdbc.sql("ANALYZE fine_tuning_jobs").update();
            TimedQueue queue = new TimedQueue(jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)));
            Map<String, Long> statsBefore = indexStats(jdbc);
            AtomicLong executed = new AtomicLong();
            AtomicLong lost = new AtomicLong();
            AtomicLong claimNanos = new AtomicLong();
            AtomicLong completeNanos = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            BatchClaimer<Lease> claimer = mode == Mode.CLAIMER
                    ? BatchClaimer.forShortWork(queue, noOp(executed), "bench-process", perThread * threads)
                    : new BatchClaimer<>(
                            queue, JOBS, "bench-process", 4 * threads, ClaimFilter.NONE, (lease, row) -> lease, l -> l);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                String workerId = "bench-worker-" + w;
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (mode == Mode.LOOP || mode == Mode.CLAIMER) {
                        WorkLoop<Lease> loop = mode == Mode.LOOP
                                ? new WorkLoop<>(
                                        queue,
                                        noOp(executed),
                                        new NotificationSignal(ds, JOBS.channel()),
                                        Duration.ofSeconds(10),
                                        workerId)
                                : new WorkLoop<>(
                                        queue,
                                        noOp(executed),
                                        claimer,
                                        new NotificationSignal(ds, JOBS.channel()),
                                        Duration.ofSeconds(10),
                                        workerId);
                        try {
                            while (loop.runNext()) {
                                // the loop claims, runs and ends the rows itself
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return;
                    }
                    if (mode == Mode.BATCH) {
                        long t0 = System.nanoTime();
                        for (Optional<Lease> next = claimer.next(); next.isPresent(); next = claimer.next()) {
                            long t1 = System.nanoTime();
                            claimNanos.addAndGet(t1 - t0);
                            executed.incrementAndGet(); // the job's body
                            if (!succeed(queue, next.get())) {
                                lost.incrementAndGet();
                            }
                            t0 = System.nanoTime();
                            completeNanos.addAndGet(t0 - t1);
                        }
                        return;
                    }
                    Optional<Lease> claimed = queue.claim(JOBS, workerId, ClaimFilter.NONE, (lease, row) -> lease);
                    while (claimed.isPresent()) {
                        executed.incrementAndGet(); // the job's body
                        if (mode == Mode.CHAINED) {
                            LeasedWorkQueue.Cycle<Lease> cycle = queue.completeAndClaim(
                                    JOBS,
                                    claimed.get(),
                                    JobTransition.SUCCEED.sqlGuard(),
                                    JobTransition.SUCCEED.to().wireName(),
                                    COMPLETE,
                                    Map.of(),
                                    ClaimFilter.NONE,
                                    (lease, row) -> lease);
                            if (!cycle.completed()) {
                                lost.incrementAndGet();
                            }
                            claimed = cycle.next();
                        } else {
                            if (!succeed(queue, claimed.get())) {
                                lost.incrementAndGet();
                            }
                            claimed = queue.claim(JOBS, workerId, ClaimFilter.NONE, (lease, row) -> lease);
                        }
                    }
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            claimer.stop();
            double seconds = (System.nanoTime() - start) / 1e9;
            int succeeded = jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE status = 'succeeded'")
                    .query(Integer.class)
                    .single();
            lost.addAndGet(claimer.lostEndings());
            if (succeeded != n || executed.get() != n || lost.get() != 0) {
                throw new IllegalStateException("expected " + n + " completions, got " + succeeded + " (executed "
                        + executed.get() + ", lost " + lost.get() + ")");
            }
            double rate = n / seconds;
            if (!label.equals("warm-up")) {
                System.out.printf(
                        "PROFILE|%s t%d orgs%d|claim statement ms, mean per tenth of the run: %s%n",
                        mode, threads, organisations, queue.claims.tenths());
                System.out.printf(
                        "PROFILE|%s t%d orgs%d|completion statement ms, mean per tenth: %s%n",
                        mode, threads, organisations, queue.completions.tenths());
                Map<String, Long> statsAfter = indexStats(jdbc);
                StringBuilder delta = new StringBuilder();
                statsAfter.forEach(
                        (k, v) -> delta.append(' ').append(k).append('=').append(v - statsBefore.getOrDefault(k, 0L)));
                System.out.printf(
                        "PROFILE|%s t%d orgs%d|pg_stat deltas per run:%s%n", mode, threads, organisations, delta);
            }
            if (mode == Mode.BATCH && !label.equals("warm-up")) {
                // Where the threads waited: in next() (a claim statement, or the lock while another thread claims)
                // or in complete() (a group commit, or the lock while another thread writes one).
                System.out.printf(
                        "DETAIL|%d threads: thread time in next() %.1f s, in complete() %.1f s, wall %.1f s%n",
                        threads, claimNanos.get() / 1e9, completeNanos.get() / 1e9, seconds);
            }
            if (!label.equals("warm-up")) {
                System.out.printf(
                        "RESULT|%s throughput|%s, %d threads, %d organisation(s), N=%d|cycles/s|%.0f%n",
                        label, mode.description, threads, organisations, n, rate);
                System.out.printf(
                        "RESULT|%s enqueue|INSERT ... SELECT generate_series, N=%d|inserts/s|%.0f%n",
                        label, n, n / enqueueSeconds);
            }
            return rate;
        }
    }

    /** The benchmark's short work: its body an increment, its ending the job's fenced success. */
    private static ShortWorkHandler<Lease> noOp(AtomicLong executed) {
        return new ShortWorkHandler<>() {
            @Override
            public WorkKind kind() {
                return JOBS;
            }

            @Override
            public int claimBatch() {
                return perThread;
            }

            @Override
            public Lease claimed(Lease lease, java.sql.ResultSet row) {
                return lease;
            }

            @Override
            public Lease lease(Lease work) {
                return work;
            }

            @Override
            public Ending run(Lease work) {
                executed.incrementAndGet(); // the job's body
                return new Ending(
                        JobTransition.SUCCEED.sqlGuard(),
                        JobTransition.SUCCEED.to().wireName(),
                        COMPLETE,
                        Map.of());
            }
        };
    }

    /** Reads, per index of fine_tuning_jobs, the index tuples read, and the table's updates (HOT and not). */
    private static Map<String, Long> indexStats(JdbcClient jdbc) {
        Map<String, Long> stats = new java.util.TreeMap<>();
        jdbc.sql("SELECT pg_stat_clear_snapshot()").query().singleValue();
        jdbc.sql("SELECT indexrelname, idx_tup_read FROM pg_stat_user_indexes WHERE relname = 'fine_tuning_jobs'")
                .query((rs, i) -> stats.put("read:" + rs.getString(1), rs.getLong(2)))
                .list();
        jdbc.sql("SELECT n_tup_upd, n_tup_hot_upd, n_dead_tup, autovacuum_count FROM pg_stat_user_tables"
                        + " WHERE relname = 'fine_tuning_jobs'")
                .query((rs, i) -> {
                    stats.put("upd", rs.getLong(1));
                    stats.put("hot_upd", rs.getLong(2));
                    stats.put("dead", rs.getLong(3));
                    return stats.put("autovacuums", rs.getLong(4));
                })
                .list();
        return stats;
    }

    /** Statement durations in the order they ended, to see whether claims slow down as a run goes on. */
    static final class Timings {
        private final long[] nanos = new long[1 << 20];
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        void add(long started) {
            int i = count.getAndIncrement();
            if (i < nanos.length) {
                nanos[i] = System.nanoTime() - started;
            }
        }

        String tenths() {
            int n = Math.min(count.get(), nanos.length);
            if (n < 10) {
                return "(" + n + " statements)";
            }
            StringBuilder out = new StringBuilder("(" + n + " statements)");
            for (int d = 0; d < 10; d++) {
                long sum = 0;
                int from = d * n / 10;
                int to = (d + 1) * n / 10;
                for (int i = from; i < to; i++) {
                    sum += nanos[i];
                }
                out.append(String.format(" %.2f", sum / 1e6 / (to - from)));
            }
            return out.toString();
        }
    }

    /** The queue with its claim and completion statements timed. */
    static final class TimedQueue extends LeasedWorkQueue {
        final Timings claims = new Timings();
        final Timings completions = new Timings();

        TimedQueue(JdbcClient jdbc, TransactionTemplate tx) {
            super(jdbc, tx);
        }

        @Override
        public <C> Optional<C> claim(WorkKind kind, String workerId, ClaimFilter filter, ClaimMapper<C> mapper) {
            long t0 = System.nanoTime();
            try {
                return super.claim(kind, workerId, filter, mapper);
            } finally {
                claims.add(t0);
            }
        }

        @Override
        public <C> List<C> claimBatch(
                WorkKind kind, String workerId, int n, ClaimFilter filter, ClaimMapper<C> mapper) {
            long t0 = System.nanoTime();
            try {
                return super.claimBatch(kind, workerId, n, filter, mapper);
            } finally {
                claims.add(t0);
            }
        }

        @Override
        public <C> BatchCycle<C> completeAndClaimBatch(
                WorkKind kind, List<Ended> done, String workerId, int n, ClaimFilter filter, ClaimMapper<C> mapper) {
            long t0 = System.nanoTime();
            try {
                return super.completeAndClaimBatch(kind, done, workerId, n, filter, mapper);
            } finally {
                completions.add(t0);
            }
        }

        @Override
        public boolean transition(
                WorkKind kind,
                Lease lease,
                String fromGuard,
                String to,
                boolean staysLeased,
                String set,
                Map<String, Object> params) {
            long t0 = System.nanoTime();
            try {
                return super.transition(kind, lease, fromGuard, to, staysLeased, set, params);
            } finally {
                completions.add(t0);
            }
        }
    }

    /** Scenario B: enqueue here, claim in a child JVM woken by NOTIFY. */
    private static String latency(String url, String user) throws Exception {
        try (HikariDataSource ds = pool(url, user, 2)) {
            JdbcClient jdbc = JdbcClient.create(ds);
            reset(jdbc, 1);
            Process child = new ProcessBuilder(
                            javaBinary(),
                            "-Xmx512m",
                            "-cp",
                            classPath(),
                            LeasedWorkBenchmark.class.getName(),
                            "--consumer",
                            url,
                            "--user",
                            user)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            Map<String, Long> started = new ConcurrentHashMap<>();
            CountDownLatch ready = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().start(() -> {
                try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("READY")) {
                            ready.countDown();
                        } else if (line.startsWith("STARTED ")) {
                            String[] parts = line.split(" ");
                            started.put(parts[1], Long.parseLong(parts[2]));
                        }
                    }
                } catch (IOException e) {
                    // the child ended
                }
            });
            try {
                if (!ready.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the consumer process did not start");
                }
                Thread.sleep(1000); // its loops found the queue empty and LISTEN now
                int samples = 500;
                Map<String, Long> enqueued = new ConcurrentHashMap<>();
                List<Double> enqueueMillis = new ArrayList<>();
                Random random = new Random(42);
                long next = System.nanoTime();
                for (int i = 0; i < samples; i++) {
                    // Open loop: the next enqueue is due a random gap after the previous one was due.
                    next += (long) (-Math.log(1 - random.nextDouble()) * 50e6);
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String id = "probe-" + i;
                    long before = System.nanoTime();
                    jdbc.sql("""
                                    WITH job AS (
                                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file,
                                                                      status, hyperparameters, seed, queued_at)
                                        VALUES (:id, 'org-0', 'm', 'f', 'queued', '{}', 1, now()) RETURNING id)
                                    SELECT pg_notify(:channel, id) FROM job""")
                            .param("id", id)
                            .param("channel", JOBS.channel())
                            .query()
                            .singleValue();
                    enqueued.put(id, epochMicros(Instant.now()));
                    enqueueMillis.add((System.nanoTime() - before) / 1e6);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (started.size() < samples && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                if (started.size() < samples) {
                    throw new IllegalStateException("only " + started.size() + " of " + samples + " probes ran");
                }
                double[] latencies = enqueued.entrySet().stream()
                        .mapToDouble(e -> (started.get(e.getKey()) - e.getValue()) / 1000.0)
                        .sorted()
                        .toArray();
                double[] enqueueTimes = enqueueMillis.stream()
                        .mapToDouble(Double::doubleValue)
                        .sorted()
                        .toArray();
                String figure = String.format(
                        "%.1f/%.1f/%.1f",
                        percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99));
                System.out.printf(
                        "RESULT|B latency|NOTIFY, consumer in another JVM (4 loops, poll 10 s), 500 open-loop"
                                + " enqueues, mean gap 50 ms|p50/p95/p99 ms|%s (max %.1f)%n",
                        figure, latencies[latencies.length - 1]);
                System.out.printf(
                        "RESULT|B enqueue|INSERT + pg_notify, one transaction|p50 ms|%.2f%n",
                        percentile(enqueueTimes, 50));
                return "latency ms p50/p95/p99 notify " + figure;
            } finally {
                child.destroy();
                child.waitFor();
                reader.join();
            }
        }
    }

    /** The child process of scenario B: 4 work loops that print when each job's body starts. */
    private static void consumer(String url, String user) throws Exception {
        try (HikariDataSource ds = pool(url, user, 8)) {
            JdbcClient jdbc = JdbcClient.create(ds);
            LeasedWorkQueue queue =
                    new LeasedWorkQueue(jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)));
            WorkHandler<Lease> handler = new WorkHandler<>() {
                @Override
                public WorkKind kind() {
                    return JOBS;
                }

                @Override
                public Lease claimed(Lease lease, java.sql.ResultSet row) {
                    return lease;
                }

                @Override
                public void execute(Lease lease) {
                    System.out.println("STARTED " + lease.id() + " " + epochMicros(Instant.now()));
                    succeed(queue, lease);
                }
            };
            List<WorkLoop<Lease>> loops = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WorkLoop<Lease> loop = new WorkLoop<>(
                        queue, handler, new NotificationSignal(ds, JOBS.channel()), Duration.ofSeconds(10), "c" + i);
                loop.start();
                loops.add(loop);
            }
            System.out.println("READY");
            System.out.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } finally {
                loops.forEach(WorkLoop::stop);
            }
        }
    }

    private static long epochMicros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The class path this class was loaded from (exec:java loads it through a URL class loader of its own). */
    private static String classPath() {
        if (LeasedWorkBenchmark.class.getClassLoader() instanceof URLClassLoader loader) {
            return Arrays.stream(loader.getURLs())
                    .map(LeasedWorkBenchmark::file)
                    .collect(Collectors.joining(File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    private static String file(URL url) {
        try {
            return new File(url.toURI()).getPath();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
            options.put(key, value);
        }
        return options;
    }

    /** Completes a claimed job as the worker does after its body ran; false when the lease was lost. */
    private static boolean succeed(LeasedWorkQueue queue, Lease lease) {
        return queue.transition(
                JOBS,
                lease,
                JobTransition.SUCCEED.sqlGuard(),
                JobTransition.SUCCEED.to().wireName(),
                false,
                COMPLETE,
                Map.of());
    }
}
