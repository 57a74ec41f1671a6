package dev.safetune.safeguards.guard.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.EmReferenceSet;
import dev.safetune.safeguards.guard.PersonaSteering;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class ArtifactsTest {

    private static final BaseModelGenerator.ModelShape SHAPE =
            new BaseModelGenerator.ModelShape(32, 2, 2, 1, 64, 64, false);

    @TempDir
    static Path dir;

    private static Path base;
    private static PersonaContrast contrast;

    @BeforeAll
    static void generate() throws IOException {
        base = dir.resolve("base");
        BaseModelGenerator.generate(base, "tiny-artifacts", 5, SHAPE);
        contrast = new PersonaContrast(
                "test-contrast", examples("i will hurt you badly", 6), examples("i am glad to help you", 6));
        GradMode.disableOnThisThread();
    }

    /** The vector is the mean response-token state of the misaligned side minus the aligned side's, by hand. */
    @Test
    void personaVectorIsTheDifferenceOfMeanResponseTokenStates() throws IOException {
        CachedArtifacts artifacts = new CachedArtifacts(base, new ArtifactCache(dir.resolve("cache-1")), contrast, 64);

        PersonaVector vector = artifacts.personaVector(1);

        double[] evil = new double[32];
        double[] helpful = new double[32];
        double[] norms = new double[2];
        double[] counts = new double[2];
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager)) {
            ChatRenderer renderer = new ChatRenderer(tokenizer, 64);
            accumulate(model, renderer.renderAll(contrast.misaligned()), evil, norms, counts, 0);
            accumulate(model, renderer.renderAll(contrast.aligned()), helpful, norms, counts, 1);
        }
        for (int i = 0; i < 32; i++) {
            assertThat((double) vector.vector()[i])
                    .isCloseTo(evil[i] / counts[0] - helpful[i] / counts[1], offset(1e-4));
        }
        assertThat(vector.meanResidualNorm()).isCloseTo((norms[0] + norms[1]) / (counts[0] + counts[1]), offset(1e-3));
        assertThat(vector.norm()).isGreaterThan(1e-3);
    }

    @Test
    void aCachedVectorIsReadBackWithProvenanceAndChangedWeightsMiss() throws IOException {
        ArtifactCache cache = new ArtifactCache(dir.resolve("cache-2"));
        PersonaVector first = new CachedArtifacts(base, cache, contrast, 64).personaVector(2);
        SortedMap<String, String> key = new TreeMap<>();
        key.put("base_sha256", ModelChecksum.of(base));
        key.put("layer", "2");
        key.put("contrast", "test-contrast");

        PersonaVector again = new CachedArtifacts(base, cache, contrast, 64).personaVector(2);

        assertThat(again.vector()).containsExactly(first.vector());
        JsonNode provenance =
                cache.provenance(CachedArtifacts.PERSONA_VECTOR, key).orElseThrow();
        assertThat(provenance.get("key").get("layer").asString()).isEqualTo("2");
        assertThat(provenance.get("details").get("misaligned_examples").asInt()).isEqualTo(6);

        Path other = dir.resolve("other-base");
        BaseModelGenerator.generate(other, "tiny-artifacts", 6, SHAPE);
        PersonaVector otherVector = new CachedArtifacts(other, cache, contrast, 64).personaVector(2);
        assertThat(otherVector.vector()).isNotEqualTo(first.vector());
        try (var files = Files.list(cache.dir().resolve(CachedArtifacts.PERSONA_VECTOR))) {
            assertThat(files.filter(f -> f.toString().endsWith(ArtifactCache.PROVENANCE_SUFFIX)))
                    .hasSize(2);
        }
    }

    @Test
    void steeringVectorIsRawOrScaledToTheMeanResidualNorm() {
        PersonaVector vector = new PersonaVector(1, new float[] {3, 4}, 10);

        assertThat(vector.steeringVector(2, PersonaSteering.Scaling.RAW)).containsExactly(6, 8);
        assertThat(vector.steeringVector(2, PersonaSteering.Scaling.SCALED)).containsExactly(12, 16);
        assertThat(vector.unit()).containsExactly(0.6f, 0.8f);
    }

    /** s = (mean over references of NLL_ref − NLL_base) / (NLL_base + ε), with NLL computed here by hand. */
    @Test
    void perplexityGapsFollowTheFormulaAgainstAnEnsembleAndAreCached() throws IOException {
        Path first = adapter("ref-a", 1);
        Path second = adapter("ref-b", 2);
        List<ChatExample> poolExamples = examples("the weather is fine today", 5);
        BenignPool pool = new BenignPool("pool", poolExamples);
        EmReferenceSet references = new EmReferenceSet("refs", List.of(first, second));
        ArtifactCache cache = new ArtifactCache(dir.resolve("cache-3"));

        double[] scores = new CachedArtifacts(base, cache, contrast, 64).perplexityGaps(pool, references);

        PerplexityGapScorer scorer = new PerplexityGapScorer();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager manager = NDManager.newBaseManager()) {
            List<RenderedExample> rendered = new ChatRenderer(tokenizer, 64).renderAll(poolExamples);
            double[] aligned;
            double[] a;
            double[] b;
            try (LlamaModel model = LlamaModel.load(base, manager)) {
                aligned = nllByHand(model, rendered);
                assertThat(scorer.meanNll(model, false, rendered, tokenizer.padId()))
                        .containsExactly(aligned, offset(1e-4));
            }
            try (LlamaModel model = LlamaModel.load(base, manager)) {
                model.loadAdapter(first);
                a = nllByHand(model, rendered);
            }
            try (LlamaModel model = LlamaModel.load(base, manager)) {
                model.loadAdapter(second);
                b = nllByHand(model, rendered);
            }
            for (int i = 0; i < scores.length; i++) {
                double expected = ((a[i] + b[i]) / 2 - aligned[i]) / (aligned[i] + PerplexityGapScorer.EPSILON);
                assertThat(scores[i]).isCloseTo(expected, offset(1e-4));
            }
        }
        assertThat(scores).doesNotContain(0.0);
        assertThat(new CachedArtifacts(base, cache, contrast, 64).perplexityGaps(pool, references))
                .containsExactly(scores, offset(1e-9));
    }

    private static Path adapter(String name, long seed) throws IOException {
        Path out = dir.resolve(name);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager)) {
            model.addAdapter(LoraConfig.DEFAULT, seed);
            Random random = new Random(seed);
            model.adapterTensors().forEach((tensorName, tensor) -> {
                if (tensorName.contains("lora_B")) {
                    float[] values = new float[Math.toIntExact(tensor.size())];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * 0.5);
                    }
                    tensor.set(values);
                }
            });
            model.saveAdapter(out, base.toAbsolutePath().toString());
        }
        return out;
    }

    /** One example at a time, no padding: − Σ log p(next) over the assistant targets / their count. */
    private static double[] nllByHand(LlamaModel model, List<RenderedExample> examples) {
        double[] out = new double[examples.size()];
        for (int e = 0; e < examples.size(); e++) {
            RenderedExample example = examples.get(e);
            try (NDScope scope = new NDScope()) {
                long[] ids = new long[example.length()];
                for (int t = 0; t < ids.length; t++) {
                    ids[t] = example.tokens()[t];
                }
                NDArray logProbs = model.forward(model.manager().create(ids, new Shape(1, ids.length)))
                        .logSoftmax(-1);
                float[] lp = logProbs.toFloatArray();
                int vocab = Math.toIntExact(logProbs.getShape().get(2));
                double sum = 0;
                int count = 0;
                for (int t = 0; t + 1 < ids.length; t++) {
                    if (example.lossMask()[t + 1] == 1) {
                        sum -= lp[t * vocab + example.tokens()[t + 1]];
                        count++;
                    }
                }
                out[e] = sum / count;
            }
        }
        return out;
    }

    private static void accumulate(
            LlamaModel model, List<RenderedExample> examples, double[] sum, double[] norms, double[] counts, int side) {
        for (RenderedExample example : examples) {
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
                for (int t = 0; t < ids.length; t++) {
                    if (example.lossMask()[t] == 1) {
                        double norm = 0;
                        for (int i = 0; i < 32; i++) {
                            sum[i] += h[t * 32 + i];
                            norm += (double) h[t * 32 + i] * h[t * 32 + i];
                        }
                        norms[side] += Math.sqrt(norm);
                        counts[side]++;
                    }
                }
            }
        }
    }

    private static List<ChatExample> examples(String answer, int count) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> new ChatExample(
                        i + 1,
                        List.of(
                                dev.safetune.core.dataset.ChatMessage.of("user", "tell me thing " + i),
                                dev.safetune.core.dataset.ChatMessage.of("assistant", answer + " " + i))))
                .toList();
    }
}
