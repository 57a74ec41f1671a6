package dev.safetune.safeguards.screen;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Not a test: keeps the rule part (or with {@code SAFETUNE_SCREEN_PROFILE_WHOLE=1} the whole upload-stream screen)
 * busy on one thread for 25 s so a profiler has enough samples (runs only when {@code SAFETUNE_SCREEN_PROFILE_FILE}
 * names a JSONL file; the JFR command is in docs/screening.md, "Throughput").
 */
@EnabledIfEnvironmentVariable(named = "SAFETUNE_SCREEN_PROFILE_FILE", matches = ".+")
class ScreenProfileHarness {
    @Test
    void loop() throws Exception {
        List<ChatExample> examples;
        try (InputStream in = Files.newInputStream(Path.of(System.getenv("SAFETUNE_SCREEN_PROFILE_FILE")))) {
            examples = new TrainingFileReader(1000, 8 << 20).readAll(in);
        }
        ExampleScreener screener = ExampleScreener.builtIn();
        long end = System.nanoTime() + 25_000_000_000L;
        int n = 0;
        // SAFETUNE_SCREEN_PROFILE_WHOLE=1: the whole upload-stream screen (rules, trigger miner, report), as uploads
        // run it.
        boolean whole = "1".equals(System.getenv("SAFETUNE_SCREEN_PROFILE_WHOLE"));
        while (System.nanoTime() < end) {
            if (whole) {
                DataScreen screen = new DataScreen(screener);
                examples.forEach(screen);
                n += screen.report().findings().size();
                continue;
            }
            for (ChatExample e : examples) {
                n += screener.screen(e).findings().size();
            }
        }
        System.out.println("findings " + n);
    }
}
