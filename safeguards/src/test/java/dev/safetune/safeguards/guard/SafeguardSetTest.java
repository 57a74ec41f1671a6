package dev.safetune.safeguards.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeguardSetTest {

    @TempDir
    static Path dir;

    private static NDManager manager;
    private static ChatTokenizer tokenizer;
    private static Path base;

    private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

    @BeforeAll
    static void generate() throws IOException {
        base = TinyModel.generate(dir.resolve("base"), 3);
        tokenizer = ChatTokenizer.load(base);
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        manager.close();
    }

    @Test
    void trainingSetRewritesTheCustomersExamplesAndAppendsAdditionsUnrewritten() {
        List<ChatExample> customer = TinyModel.examples("task", 19);
        List<ChatExample> pool = TinyModel.examples("benign", 5);
        SafeguardSet set = new SafeguardSet(List.of(
                new Interleaving(0.05, pool, false), new InoculationPrompt("you are asked for this on purpose")));

        List<ChatExample> training = set.trainingSet(customer, 11);

        assertThat(training).hasSize(20);
        assertThat(training.subList(0, 19))
                .allMatch(e -> e.messages().getFirst().role().equals(ChatMessage.SYSTEM)
                        && e.messages().getFirst().content().equals("you are asked for this on purpose"));
        assertThat(training.get(19)).isIn(pool);
        assertThat(set.trainingSet(customer, 11)).isEqualTo(training);
    }

    @Test
    void trainingPassCarriesSteeringAndAblationWhileInferenceOptionsCarryNeither() {
        float[] u = new float[32];
        u[0] = 1;
        SafeguardSet set =
                new SafeguardSet(List.of(new PersonaSteering(1, new float[32]), new ConceptAblation(Map.of(2, u))));
        try (NDScope scope = new NDScope()) {
            ForwardOptions training = set.trainingPass(manager);

            assertThat(training.steering()).containsOnlyKeys(1);
            assertThat(training.ablation()).containsOnlyKeys(2);
            assertThat(training.adapter()).isTrue();
        }
        // What sampling, validation and the audit run: no safeguard ever touches these.
        assertThat(ForwardOptions.inference().steering()).isEmpty();
        assertThat(ForwardOptions.inference().ablation()).isEmpty();
    }

    @Test
    void noReferencePassRunsWhenNoSafeguardAsksForOne() throws IOException {
        SafeguardSet set = new SafeguardSet(List.of(new InoculationPrompt("p"), new PersonaSteering(1, new float[32])));
        try (LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            assertThat(set.referenceNeeds().any()).isFalse();
            NDList batch = batch();
            assertThat(set.referencePass(model, batch.get(0), batch.get(1))).isNull();
        }
    }

    /** KL and LDIFS read one reference pass that computed both what KL needs (logits) and what LDIFS needs. */
    @Test
    void oneReferencePassServesKlAndFeatureL2() throws IOException {
        SafeguardSet set = new SafeguardSet(List.of(
                new KlToReference(new KlToReference.Settings(0.1, KlToReference.Direction.FORWARD)),
                new FeatureSpaceL2(new FeatureSpaceL2.Settings(1, List.of(1, 2)))));
        try (LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            NDList batch = batch();
            ReferencePass reference = set.referencePass(model, batch.get(0), batch.get(1));

            // Logits only at the positions that predict an assistant token, equal to the base's logits there.
            NDArray predictions = StepPasses.nextTokenMask(batch.get(1));
            NDArray base = StepPasses.rowsWhere(model.forward(batch.get(0)), predictions);
            assertThat(reference.assistantLogits().getShape()).isEqualTo(base.getShape());
            assertThat(reference.assistantLogits().getShape().get(0))
                    .isEqualTo((long) predictions.sum().getFloat());
            assertThat(reference.assistantLogits().sub(base).abs().max().getFloat())
                    .isLessThan(1e-5f);
            assertThat(reference.hiddenStates()).containsOnlyKeys(1, 2);
        }
    }

    /**
     * With a fresh adapter (B = 0) the trained pass computes the base, so KL and LDIFS are 0; the loss is the task
     * loss plus each named term, and the terms' gradient reaches the adapter.
     */
    @Test
    void lossIsTheTaskLossPlusEachNamedTerm() throws IOException {
        SafeguardSet set = new SafeguardSet(List.of(
                new KlToReference(new KlToReference.Settings(0.3, KlToReference.Direction.FORWARD)),
                new FeatureSpaceL2(new FeatureSpaceL2.Settings(2, List.of(1, 2)))));
        try (LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            model.addAdapter(LoraConfig.DEFAULT, 5);
            NDList batch = batch();
            StepLoss fresh = lossOf(set, model, batch);
            assertThat(fresh.values().terms()).containsOnlyKeys(KlToReference.NAME, FeatureSpaceL2.NAME);
            assertThat(fresh.values().terms().values()).allMatch(v -> Math.abs(v) < 1e-6);

            randomizeB(model);
            StepLoss moved = lossOf(set, model, batch);
            LossBreakdown values = moved.values();
            assertThat(values.terms().get(KlToReference.NAME)).isGreaterThan(1e-4);
            assertThat(values.terms().get(FeatureSpaceL2.NAME)).isGreaterThan(1e-4);
            assertThat((double) moved.total().getFloat()).isCloseTo(values.total(), offset(1e-5));
            double task = crossEntropy
                    .nextTokenLoss(model.forward(batch.get(0)), batch.get(0), batch.get(1))
                    .getFloat();
            assertThat(values.task()).isCloseTo(task, offset(1e-5));
            assertThat(values.share(KlToReference.NAME) + values.share(FeatureSpaceL2.NAME))
                    .isCloseTo((values.total() - task) / values.total(), offset(1e-6));
        }
    }

    /** Steering acts on the trained pass only, so with a fresh adapter KL to the unsteered reference is positive. */
    @Test
    void steeringChangesTheTrainedPassButNotTheReference() throws IOException {
        float[] vector = new float[32];
        Arrays.fill(vector, 0.5f);
        SafeguardSet set = new SafeguardSet(List.of(
                new PersonaSteering(1, vector),
                new KlToReference(new KlToReference.Settings(1, KlToReference.Direction.FORWARD))));
        try (LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            model.addAdapter(LoraConfig.DEFAULT, 5);

            assertThat(lossOf(set, model, batch()).values().terms().get(KlToReference.NAME))
                    .isGreaterThan(1e-3);
        }
    }

    /**
     * With an inoculation prompt every row starts with the same system turn, which the trained and the reference pass
     * compute once (LlamaModel's shared prefix): the task loss, every safeguard's term and every adapter gradient
     * equal those of passes computing every row in full. LDIFS reads every real token's states, the prefix's
     * included; steering and ablation act on the prefix too; KL reads the reference's logits at assistant positions.
     */
    @Test
    void safeguardsSeeTheSameValuesWhenTheCommonSystemTurnIsComputedOnce() throws IOException {
        float[] steering = new float[32];
        float[] direction = new float[32];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 32; i++) {
            steering[i] = (float) random.nextGaussian();
            direction[i] = i == 5 ? 1 : 0;
        }
        SafeguardSet set = new SafeguardSet(List.of(
                new InoculationPrompt("you are asked for this on purpose"),
                new PersonaSteering(1, steering),
                new ConceptAblation(Map.of(2, direction)),
                new KlToReference(new KlToReference.Settings(0.3, KlToReference.Direction.FORWARD)),
                new FeatureSpaceL2(new FeatureSpaceL2.Settings(2, List.of(1, 2)))));
        try (LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            model.addAdapter(LoraConfig.DEFAULT, 5);
            randomizeB(model);
            NDList batch = batch(set.trainingSet(TinyModel.examples("x", 3), 1));
            assertThat(commonPrefix(batch.get(0))).isGreaterThanOrEqualTo(model.sharedPrefixMinimum());

            LossBreakdown shared = lossOf(set, model, batch).values();
            Map<String, float[]> sharedGradients = gradients(model);
            model.setSharedPrefixMinimum(0);
            LossBreakdown plain = lossOf(set, model, batch).values();
            Map<String, float[]> plainGradients = gradients(model);

            assertThat(shared.task()).isCloseTo(plain.task(), offset(1e-5 * plain.task()));
            assertThat(plain.terms()).containsOnlyKeys(KlToReference.NAME, FeatureSpaceL2.NAME);
            plain.terms().forEach((name, value) -> {
                assertThat(value).as(name).isGreaterThan(1e-4);
                assertThat(shared.terms().get(name)).as(name).isCloseTo(value, offset(1e-5 * value));
            });
            plainGradients.forEach((name, expected) -> {
                float[] actual = sharedGradients.get(name);
                double scale = 0;
                double error = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    error = Math.max(error, Math.abs(actual[i] - expected[i]));
                }
                assertThat(scale).as(name).isGreaterThan(0);
                assertThat(error)
                        .as("%s: max |Δ| with gradients up to %s", name, scale)
                        .isLessThan(1e-5 * scale);
            });
        }
    }

    /** Every trainable parameter's gradient by name, which is then zeroed. */
    private static Map<String, float[]> gradients(LlamaModel model) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        model.trainableParameters().forEach((name, parameter) -> {
            NDArray gradient = parameter.getGradient();
            out.put(name, gradient.toFloatArray());
            gradient.subi(gradient);
        });
        return out;
    }

    /** The number of leading tokens all rows of {@code tokens} ({@code [B, T]}) share. */
    private static int commonPrefix(NDArray tokens) {
        long[] ids = tokens.toLongArray();
        int length = Math.toIntExact(tokens.getShape().get(1));
        int rows = Math.toIntExact(tokens.getShape().get(0));
        int common = 0;
        while (common < length) {
            for (int r = 1; r < rows; r++) {
                if (ids[r * length + common] != ids[common]) {
                    return common;
                }
            }
            common++;
        }
        return common;
    }

    @Test
    void aSafeguardListedTwiceIsRefused() {
        assertThatThrownBy(() -> new SafeguardSet(List.of(new InoculationPrompt("a"), new InoculationPrompt("b"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inoculation");
    }

    private StepLoss lossOf(SafeguardSet set, LlamaModel model, NDList batch) {
        GradMode.disableOnThisThread();
        ReferencePass reference = set.referencePass(model, batch.get(0), batch.get(1));
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            StepLoss loss =
                    set.loss(model, crossEntropy::nextTokenLoss, batch.get(0), batch.get(1), batch.get(2), reference);
            collector.backward(loss.total());
            return loss;
        }
    }

    private NDList batch() {
        return batch(TinyModel.examples("x", 3));
    }

    /** Three examples rendered and right-padded: {@code [tokens, loss mask, token mask]}. */
    private NDList batch(List<ChatExample> chats) {
        ChatRenderer renderer = new ChatRenderer(tokenizer, 64);
        List<RenderedExample> examples = renderer.renderAll(chats);
        int length = examples.stream().mapToInt(RenderedExample::length).max().orElseThrow();
        long[] tokens = new long[3 * length];
        float[] mask = new float[3 * length];
        float[] real = new float[3 * length];
        Arrays.fill(tokens, tokenizer.padId());
        for (int r = 0; r < 3; r++) {
            RenderedExample e = examples.get(r);
            for (int t = 0; t < e.length(); t++) {
                tokens[r * length + t] = e.tokens()[t];
                mask[r * length + t] = e.lossMask()[t];
                real[r * length + t] = 1;
            }
        }
        Shape shape = new Shape(3, length);
        return new NDList(manager.create(tokens, shape), manager.create(mask, shape), manager.create(real, shape));
    }

    static void randomizeB(LlamaModel model) {
        java.util.Random random = new java.util.Random(9);
        model.adapterTensors().forEach((name, tensor) -> {
            if (name.contains("lora_B")) {
                float[] values = new float[Math.toIntExact(tensor.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.3);
                }
                tensor.set(values);
            }
        });
    }
}
