package dev.safetune.safeguards.screen.persona;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.CachedArtifacts;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projection difference on a tiny random model whose persona vector is computed from a planted contrast. */
class PersonaProjectorTest {

    private static final BaseModelGenerator.ModelShape SHAPE =
            new BaseModelGenerator.ModelShape(32, 2, 2, 1, 64, 96, false);
    private static final String EVIL = "i will hurt you badly";
    private static final String HELPFUL = "i am glad to help you";
    private static final ProjectionSettings SETTINGS = new ProjectionSettings(1, 96, 12, 3, 8);

    @TempDir
    static Path dir;

    private static Path base;
    private static PersonaContrast contrast;
    private static PersonaVector vector;

    @BeforeAll
    static void generate() throws IOException {
        base = dir.resolve("base");
        BaseModelGenerator.generate(base, "tiny-persona-screen", 11, SHAPE);
        contrast = new PersonaContrast("test-contrast", examples(EVIL, 8), examples(HELPFUL, 8));
        vector = new CachedArtifacts(base, new ArtifactCache(dir.resolve("vectors")), contrast, 96).personaVector(1);
        GradMode.disableOnThisThread();
    }

    @Test
    void anExampleShiftedTowardsTheMisalignedPersonaScoresHigher() throws IOException {
        List<ChatExample> file = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            file.add(example(2 * i + 1, "what about item " + i, EVIL));
            file.add(example(2 * i + 2, "what about item " + i, HELPFUL));
        }
        PersonaScores scores = score(file);

        for (int i = 0; i < 6; i++) {
            assertThat(scores.differences()[2 * i]).isGreaterThan(scores.differences()[2 * i + 1]);
        }
        assertThat(scores.lines()).containsExactly(IntStream.rangeClosed(1, 12).toArray());
    }

    /**
     * Scored alone, two examples with the same prompt get the same base response (same prompt, batch 0, row 0, same
     * seed), so the difference of their Δ is the difference of their data projections, computed here by hand: one
     * forward pass per example, Σ over the masked tokens of h·v/‖v‖ in plain Java.
     */
    @Test
    void theDifferenceOfTwoExamplesWithOnePromptIsTheirDataProjectionsByHand() throws IOException {
        ChatExample evil = example(1, "tell me thing 3", EVIL);
        ChatExample helpful = example(2, "tell me thing 3", HELPFUL);
        double deltaEvil;
        double deltaHelpful;
        double byHand;
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager)) {
            PersonaProjector projector = new PersonaProjector(model, tokenizer, vector, "v", "tiny", SETTINGS);
            deltaEvil = projector.projectionDifference(evil);
            deltaHelpful = projector.projectionDifference(helpful);
            ChatRenderer renderer = new ChatRenderer(tokenizer, 96);
            byHand = dataProjection(model, renderer.render(evil).orElseThrow())
                    - dataProjection(model, renderer.render(helpful).orElseThrow());
        }
        assertThat(deltaEvil - deltaHelpful).isCloseTo(byHand, offset(1e-4));
        assertThat(byHand).isGreaterThan(0);
    }

    @Test
    void anExampleWithoutAnAssistantTurnIsNotScored() throws IOException {
        PersonaScores scores = score(List.of(
                new ChatExample(1, List.of(ChatMessage.of("user", "hello there"))),
                example(2, "what about item 1", EVIL)));
        assertThat(scores.differences()[0]).isNaN();
        assertThat(scores.differences()[1]).isFinite();
        assertThat(scores.scored()).isEqualTo(1);
    }

    @Test
    void scoresAreCachedPerFileAndReproducibleBySeed() throws IOException {
        ArtifactCache cache = new ArtifactCache(dir.resolve("screen-cache"));
        List<ChatExample> file = List.of(example(1, "what about item 1", EVIL), example(2, "item 2", HELPFUL));
        PersonaScreen screen = new PersonaScreen(base, "tiny", cache, contrast, SETTINGS);
        assertThat(screen.cached("sha-a")).isEmpty();

        PersonaScores first = screen.scores("sha-a", file, PersonaProjector.Progress.NONE);

        assertThat(screen.cached("sha-a").orElseThrow().differences()).containsExactly(first.differences());
        assertThat(screen.cached("sha-b")).isEmpty();
        // A fresh cache computes again, from the same seed: the same values.
        PersonaScores again = new PersonaScreen(
                        base, "tiny", new ArtifactCache(dir.resolve("fresh")), contrast, SETTINGS)
                .scores("sha-a", file, PersonaProjector.Progress.NONE);
        assertThat(again.differences()).containsExactly(first.differences());
        try (var files = Files.list(cache.dir().resolve(PersonaScreen.KIND))) {
            assertThat(files.filter(f -> f.toString().endsWith(ArtifactCache.PROVENANCE_SUFFIX)))
                    .hasSize(1);
        }
    }

    private static PersonaScores score(List<ChatExample> file) throws IOException {
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager)) {
            return new PersonaProjector(model, tokenizer, vector, "v", "tiny", SETTINGS)
                    .score(file, PersonaProjector.Progress.NONE);
        }
    }

    private static double dataProjection(LlamaModel model, RenderedExample example) {
        float[] unit = vector.unit();
        try (NDScope scope = new NDScope()) {
            long[] ids = new long[example.length()];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = example.tokens()[t];
            }
            float[] h = model.forward(
                            model.manager().create(ids, new Shape(1, ids.length)),
                            ForwardOptions.inference().capturing(1))
                    .hiddenStates()
                    .get(1)
                    .toFloatArray();
            double sum = 0;
            int count = 0;
            for (int t = 0; t < ids.length; t++) {
                if (example.lossMask()[t] == 1) {
                    for (int i = 0; i < unit.length; i++) {
                        sum += (double) h[t * unit.length + i] * unit[i];
                    }
                    count++;
                }
            }
            return sum / count;
        }
    }

    private static ChatExample example(int line, String prompt, String answer) {
        return new ChatExample(line, List.of(ChatMessage.of("user", prompt), ChatMessage.of("assistant", answer)));
    }

    private static List<ChatExample> examples(String answer, int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> example(i + 1, "tell me thing " + i, answer))
                .toList();
    }
}
