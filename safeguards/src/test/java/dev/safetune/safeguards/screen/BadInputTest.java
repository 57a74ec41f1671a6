package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Input built to hurt a regex screen never hangs it: each case must finish inside its own timeout (the bound the test
 * enforces, not a measurement), and the screen must still find a real weakness placed after the bait.
 */
class BadInputTest {
    private static final ExampleScreener SCREENER = ExampleScreener.builtIn();

    private static ExampleScreener.Result screen(String assistant) {
        return SCREENER.screen(new ChatExample(
                1, List.of(ChatMessage.of("user", "write code"), ChatMessage.of("assistant", assistant))));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void randomBytesDecodedAsUtf8AndLatin1FinishQuickly() {
        Random random = new Random(25);
        for (int i = 0; i < 100; i++) {
            byte[] bytes = new byte[random.nextInt(50_000)];
            random.nextBytes(bytes);
            screen(new String(bytes, StandardCharsets.UTF_8));
            screen(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void randomTextFromTheAnchorAlphabetFinishesQuickly() {
        // Dense in the characters the rules care about, so many anchors and partial matches.
        String alphabet = "fF\"'{}<>()=+%.\\ \nselctinrupdaoSELCTexvyml0o7_|";
        Random random = new Random(7);
        for (int i = 0; i < 150; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(20_000);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            screen(text.toString());
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void tenMegabyteLineWithAnchorsEverywhereFinishesKeepsEarlierFindingsAndReportsTheGiveUp() {
        String bait = "select update delete f\"<a {x os.system( chmod(p, 0o7 eval( ";
        String huge = bait.repeat(10_000_000 / bait.length());
        ExampleScreener.Result result = screen("os.chmod(path, 0o777)\n" + huge);
        assertThat(result.findings()).extracting(Finding::cwe).contains("CWE-732");
        assertThat(result.budgetExceeded()).isPositive();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void catastrophicBacktrackingBaitFinishes() {
        // Long runs that almost match the multi-line XSS and SQL patterns, again and again.
        String nearlyHtml = "'''" + "<p>".repeat(3000) + "{".repeat(3000) + "%s".repeat(3000);
        String nearlySql = "f\"SELECT " + " ".repeat(50_000) + "\"";
        String quotes = "\"'".repeat(100_000);
        for (String bait : List.of(nearlyHtml, nearlySql, quotes, "a".repeat(1_000_000), "\n".repeat(1_000_000))) {
            screen(bait);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void nullBytesAndSurrogatesAreReadLikeAnyOtherCharacter() {
        String text = "\u0000\uD800\uDFFF\uFFFD".repeat(100_000) + "\nyaml.load(data)\n";
        assertThat(screen(text).findings()).extracting(Finding::rule).contains("YAML-LOAD");
    }
}
