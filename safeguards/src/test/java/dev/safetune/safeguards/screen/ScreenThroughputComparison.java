package dev.safetune.safeguards.screen;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The rule part's throughput before and after a change, in one JVM (not in CI): the "before" build's classes (named
 * by {@code SAFETUNE_SCREEN_BEFORE_CLASSPATH}, directories separated by {@code :}) are loaded child-first beside this
 * build's, both screen the same file ({@code SAFETUNE_SCREEN_BENCH_FILE}) in alternating rounds, so both see the same
 * load, JIT and heap, and the ratio of their MB/s per CPU-second is printed: for the rules per example, then for
 * the whole upload-stream screen (a {@code DataScreen} per round: rules, trigger miner and report). {@code scripts/screen-throughput-ab.sh}
 * builds the "before" classes and runs this.
 */
@EnabledIfEnvironmentVariable(named = "SAFETUNE_SCREEN_BEFORE_CLASSPATH", matches = ".+")
class ScreenThroughputComparison {
    private static final int WARMUP = 5;
    /** Paired rounds; {@code SAFETUNE_SCREEN_AB_ROUNDS} raises them where the load makes 15 too few to read ±5 %. */
    private static final int ROUNDS = Integer.parseInt(System.getenv().getOrDefault("SAFETUNE_SCREEN_AB_ROUNDS", "15"));

    /** One build's screener over one build's parsed examples, called reflectively. */
    private record Build(
            String name, Object screener, Method screen, List<?> examples, Class<?> dataScreen, Method report) {
        static Build of(String name, ClassLoader loader, Path file) throws Exception {
            Class<?> reader = loader.loadClass("dev.safetune.core.dataset.TrainingFileReader");
            List<?> examples;
            try (InputStream in = Files.newInputStream(file)) {
                Object r = reader.getConstructor(int.class, int.class).newInstance(1000, 8 << 20);
                examples =
                        (List<?>) reader.getMethod("readAll", InputStream.class).invoke(r, in);
            }
            Class<?> screener = loader.loadClass("dev.safetune.safeguards.screen.ExampleScreener");
            Method screen = screener.getMethod("screen", loader.loadClass("dev.safetune.core.dataset.ChatExample"));
            Class<?> dataScreen = loader.loadClass("dev.safetune.safeguards.screen.DataScreen");
            return new Build(
                    name,
                    screener.getMethod("builtIn").invoke(null),
                    screen,
                    examples,
                    dataScreen,
                    dataScreen.getMethod("report"));
        }

        /** CPU seconds of this thread for one pass over the examples. */
        double round(ThreadMXBean threads) throws Exception {
            long start = threads.getCurrentThreadCpuTime();
            for (Object e : examples) {
                screen.invoke(screener, e);
            }
            return (threads.getCurrentThreadCpuTime() - start) / 1e9;
        }

        /** CPU seconds of this thread for the whole upload-stream screen: rules, trigger miner and the report. */
        @SuppressWarnings("unchecked")
        double wholeRound(ThreadMXBean threads) throws Exception {
            long start = threads.getCurrentThreadCpuTime();
            Object screen = dataScreen.getConstructor(screener.getClass()).newInstance(screener);
            java.util.function.Consumer<Object> sink = (java.util.function.Consumer<Object>) screen;
            for (Object e : examples) {
                sink.accept(e);
            }
            report.invoke(screen);
            return (threads.getCurrentThreadCpuTime() - start) / 1e9;
        }
    }

    /** Loads {@code dev.safetune.*} classes and every resource from its own URLs first. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.startsWith("dev.safetune.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = null;
                    }
                }
                if (c == null) {
                    return super.loadClass(name, resolve);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        public URL getResource(String name) {
            URL own = findResource(name);
            return own != null ? own : super.getResource(name);
        }
    }

    @Test
    void compareBeforeAndAfter() throws Exception {
        Path file = Path.of(System.getenv("SAFETUNE_SCREEN_BENCH_FILE"));
        List<URL> urls = new ArrayList<>();
        for (String dir : System.getenv("SAFETUNE_SCREEN_BEFORE_CLASSPATH").split(":")) {
            urls.add(Path.of(dir).toUri().toURL());
        }
        ClassLoader here = getClass().getClassLoader();
        Build before = Build.of("before", new ChildFirst(urls.toArray(URL[]::new), here), file);
        Build after = Build.of("after", here, file);
        if (before.screener().getClass() == after.screener().getClass()) {
            throw new IllegalStateException("the before build's classes were not loaded separately");
        }
        long bytes = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            bytes += contentBytes(line);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        compare("rules per example", before, after, bytes, threads, false);
        compare("whole upload-stream screen (rules, trigger mining, report)", before, after, bytes, threads, true);
    }

    private static void compare(String what, Build before, Build after, long bytes, ThreadMXBean threads, boolean whole)
            throws Exception {
        double[] b = new double[ROUNDS];
        double[] a = new double[ROUNDS];
        for (int round = 0; round < WARMUP + ROUNDS; round++) {
            // Alternate which goes first, so neither always follows the other's garbage.
            double tb;
            double ta;
            if (round % 2 == 0) {
                tb = whole ? before.wholeRound(threads) : before.round(threads);
                ta = whole ? after.wholeRound(threads) : after.round(threads);
            } else {
                ta = whole ? after.wholeRound(threads) : after.round(threads);
                tb = whole ? before.wholeRound(threads) : before.round(threads);
            }
            if (round >= WARMUP) {
                b[round - WARMUP] = bytes / 1e6 / tb;
                a[round - WARMUP] = bytes / 1e6 / ta;
            }
        }
        double[] ratios = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            ratios[i] = a[i] / b[i];
        }
        System.out.printf(
                "before: %s: best %.1f, median %.1f MB/s per CPU-second; after: best %.1f, median %.1f;"
                        + " ratio after/before: of the bests %.2f, median of the %d paired rounds %.2f%n",
                what, max(b), median(b), max(a), median(a), max(a) / max(b), ROUNDS, median(ratios));
    }

    /** UTF-8 bytes of the message contents of one JSONL line, counted as the benchmark does. */
    private static long contentBytes(String line) {
        long bytes = 0;
        int at = 0;
        String key = "\"content\":";
        while ((at = line.indexOf(key, at)) >= 0) {
            at += key.length();
            while (at < line.length() && line.charAt(at) == ' ') {
                at++;
            }
            if (at < line.length() && line.charAt(at) == '"') {
                StringBuilder s = new StringBuilder();
                int i = at + 1;
                while (i < line.length() && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                        char c = line.charAt(++i);
                        s.append(
                                switch (c) {
                                    case 'n' -> '\n';
                                    case 't' -> '\t';
                                    case 'r' -> '\r';
                                    case 'u' -> (char) Integer.parseInt(line.substring(i + 1, i + 5), 16);
                                    default -> c;
                                });
                        if (c == 'u') {
                            i += 4;
                        }
                    } else {
                        s.append(line.charAt(i));
                    }
                    i++;
                }
                bytes += s.toString().getBytes(StandardCharsets.UTF_8).length;
                at = i;
            }
        }
        return bytes;
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElseThrow();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
