package dev.safetune.safeguards.screen.persona;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.evaluation.SplitMix64;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import dev.safetune.safeguards.screen.PersonaProjection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The persona part of the screen on a loaded base model (Chen et al. 2025, "Persona vectors", §5, the projection
 * difference used to flag training data before fine-tuning): for an example whose last assistant turn is {@code y}
 * after the prompt {@code x},
 *
 * <pre>
 *   Δ(x, y) = mean_{t ∈ y} h_l[t] · v̂  −  mean_{t ∈ y'} h_l[t] · v̂,     y' ~ base(· | x)
 * </pre>
 *
 * where {@code h_l} are the base model's hidden states at the persona vector's residual index {@code l}, {@code v̂}
 * the persona vector scaled to unit length (so Δ is in units of the residual stream), and {@code y'} the base model's
 * own response to the same prompt, sampled with the runtime's KV-cache {@link Sampler} (temperature 1, a fixed seed
 * per batch). Both means run over the response's tokens and its closing end-of-turn token, as training's loss mask
 * does. A positive Δ means the data's answer sits further along the misaligned persona than what the base model would
 * say itself: fine-tuning on it pulls the model that way.
 *
 * <p>Earlier assistant turns of a multi-turn example are context (in the prompt, not averaged). Work runs in batches:
 * one sampler call for the batch's prompts, then one forward pass (adapter off, no logits) over the data's and the
 * base's sequences together; every array of a batch lives in its own {@link NDScope}.
 */
public final class PersonaProjector implements PersonaProjection {

    /** End-of-turn markers of the chat formats the runtime renders (ChatML, Llama 3, em-bench's world). */
    private static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<eot>");

    private final LlamaModel model;
    private final ChatTokenizer tokenizer;
    private final ChatRenderer renderer;
    private final Sampler sampler;
    private final float[] unit;
    private final String vectorId;
    private final String baseModelId;
    private final ProjectionSettings settings;
    private final Set<Integer> stopTokens;

    /** Reports progress after each batch. */
    @FunctionalInterface
    public interface Progress {
        void scored(int done, int total);

        Progress NONE = (done, total) -> {};
    }

    public PersonaProjector(
            LlamaModel model,
            ChatTokenizer tokenizer,
            PersonaVector vector,
            String vectorId,
            String baseModelId,
            ProjectionSettings settings) {
        if (vector.layer() != settings.layer()) {
            throw new IllegalArgumentException(
                    "persona vector of layer " + vector.layer() + " for settings of layer " + settings.layer());
        }
        if (vector.vector().length != model.config().hiddenSize()) {
            throw new IllegalArgumentException("persona vector of width " + vector.vector().length
                    + " for a model of hidden size " + model.config().hiddenSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        int limit = Math.min(settings.maxSequenceLength(), model.config().maxPositionEmbeddings());
        this.renderer = new ChatRenderer(tokenizer, limit);
        // One decoding thread: the batch keeps a small model busy, as em-bench's SamplerAnswerer found.
        this.sampler = new Sampler(model, tokenizer.padId(), 1);
        this.unit = vector.unit();
        this.vectorId = vectorId;
        this.baseModelId = baseModelId;
        Set<Integer> stops = new HashSet<>(model.config().eosTokenIds());
        for (String marker : END_OF_TURN) {
            if (tokenizer.specialTokens().contains(marker)) {
                stops.add(tokenizer.specialTokenId(marker));
            }
        }
        this.stopTokens = Set.copyOf(stops);
    }

    @Override
    public String vector() {
        return vectorId;
    }

    @Override
    public String baseModel() {
        return baseModelId;
    }

    @Override
    public double projectionDifference(ChatExample example) {
        return score(List.of(example), Progress.NONE).differences()[0];
    }

    /** Every example's Δ, in order, batch by batch. */
    public PersonaScores score(List<ChatExample> examples, Progress progress) {
        GradMode.disableOnThisThread();
        int[] lines = new int[examples.size()];
        double[] differences = new double[examples.size()];
        for (int from = 0, batch = 0; from < examples.size(); from += settings.batchSize(), batch++) {
            int to = Math.min(examples.size(), from + settings.batchSize());
            double[] part = scoreBatch(examples.subList(from, to), batch);
            System.arraycopy(part, 0, differences, from, part.length);
            for (int i = from; i < to; i++) {
                lines[i] = examples.get(i).line();
            }
            progress.scored(to, examples.size());
        }
        return new PersonaScores(vectorId, baseModelId, lines, differences);
    }

    /** A scorable example: its rendered data side (only the last assistant turn in the mask) and its prompt. */
    private record Pair(int index, RenderedExample data, int[] prompt) {}

    private double[] scoreBatch(List<ChatExample> examples, int batchIndex) {
        double[] out = new double[examples.size()];
        Arrays.fill(out, Double.NaN);
        List<Pair> pairs = new ArrayList<>();
        int limit = renderer.maxSequenceLength();
        for (int i = 0; i < examples.size(); i++) {
            Optional<Pair> pair = pair(i, examples.get(i), limit);
            pair.ifPresent(pairs::add);
        }
        if (pairs.isEmpty()) {
            return out;
        }
        int width = pairs.stream().mapToInt(p -> p.prompt().length).max().orElseThrow();
        int maxNew = Math.min(settings.maxNewTokens(), limit - width);
        List<int[]> prompts = pairs.stream().map(Pair::prompt).toList();
        List<Sampler.Completion> completions = sampler.generate(
                prompts,
                new SamplingOptions(1.0, 1.0, SplitMix64.seed(settings.seed(), batchIndex), maxNew, stopTokens, true));
        List<RenderedExample> rows = new ArrayList<>(2 * pairs.size());
        for (Pair pair : pairs) {
            rows.add(pair.data());
        }
        for (int i = 0; i < pairs.size(); i++) {
            rows.add(withResponse(pairs.get(i).prompt(), completions.get(i).tokens()));
        }
        double[] projections = project(rows);
        for (int i = 0; i < pairs.size(); i++) {
            out[pairs.get(i).index()] = projections[i] - projections[pairs.size() + i];
        }
        return out;
    }

    /**
     * The example's data side and prompt, or empty when it has no assistant turn or its prompt leaves no room for a
     * response token within {@code limit}.
     */
    private Optional<Pair> pair(int index, ChatExample example, int limit) {
        List<ChatMessage> messages = example.messages();
        int last = -1;
        for (int m = messages.size() - 1; m >= 0; m--) {
            if (ChatMessage.ASSISTANT.equals(messages.get(m).role())) {
                last = m;
                break;
            }
        }
        if (last < 0) {
            return Optional.empty();
        }
        int[] prompt = renderer.prompt(messages.subList(0, last));
        if (prompt.length >= limit - 1) {
            return Optional.empty();
        }
        List<ChatMessage> upToLast = new ArrayList<>(last + 1);
        for (int m = 0; m < last; m++) {
            ChatMessage message = messages.get(m);
            // Earlier assistant turns are context: weight 0 keeps them out of the mask.
            upToLast.add(
                    ChatMessage.ASSISTANT.equals(message.role())
                            ? new ChatMessage(message.role(), message.content(), 0)
                            : message);
        }
        ChatMessage answer = messages.get(last);
        upToLast.add(new ChatMessage(answer.role(), answer.content(), 1));
        return renderer.render(new ChatExample(example.line(), upToLast)).map(data -> new Pair(index, data, prompt));
    }

    /** The prompt followed by a sampled response, the response (stop token included) in the mask. */
    private static RenderedExample withResponse(int[] prompt, int[] response) {
        int[] tokens = Arrays.copyOf(prompt, prompt.length + response.length);
        System.arraycopy(response, 0, tokens, prompt.length, response.length);
        int[] mask = new int[tokens.length];
        Arrays.fill(mask, prompt.length, tokens.length, 1);
        return new RenderedExample(0, tokens, mask);
    }

    /** The masked mean projection of each row, all rows in one right-padded forward pass. */
    private double[] project(List<RenderedExample> rows) {
        PaddedBatch batch = PaddedBatch.of(rows, tokenizer.padId());
        try (NDScope scope = new NDScope()) {
            NDList arrays = batch.toArrays(model.manager());
            // Right padding is never attended to by the real tokens before it (causal), and is out of the mask.
            NDArray hidden = model.forward(
                            arrays.get(0),
                            ForwardOptions.inference()
                                    .withoutAdapter()
                                    .withoutLogits()
                                    .capturing(settings.layer()))
                    .hiddenStates()
                    .get(settings.layer());
            return MaskedProjection.meanProjections(
                    hidden, arrays.get(1), model.manager().create(unit));
        }
    }
}
