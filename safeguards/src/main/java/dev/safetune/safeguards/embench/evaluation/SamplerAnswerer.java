package dev.safetune.safeguards.embench.evaluation;

import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.evaluation.SplitMix64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The runtime's {@link Sampler} as an {@link Answerer}: each user turn rendered by the model's chat template
 * ({@code <bos> <user> turn <asst>} for the world's tokenizer), sampled at temperature 1 with the KV cache until
 * {@code <eot>} or {@code <eos>}, decoded to words joined by single spaces without the stop token.
 *
 * <p>Prompts go to the sampler in batches of {@value #BATCH} rows (a row's continuation does not depend on its batch
 * neighbours, and each row draws from its own stream split from the call's seed); batch {@code k} is seeded with the
 * SplitMix64 finaliser of {@code seed + (k + 1)·γ}. So the same seed and the same turns give the same answers, and
 * batching makes the evaluation several times faster than one prompt per call, which the base check measured.
 */
public final class SamplerAnswerer implements Answerer {

    /** Longer than any answer the world generates (code answers are about 30 words). */
    public static final int MAX_NEW_TOKENS = 64;

    /** Rows per sampler call: large enough to amortise each decoding step, small enough that the padded cache stays cheap. */
    public static final int BATCH = 64;

    private final Sampler sampler;
    private final ChatRenderer renderer;
    private final ChatTokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final long seed;
    private long generatedTokens;

    public SamplerAnswerer(LlamaModel model, ChatTokenizer tokenizer, long seed) {
        // One decoding thread: the batch, not intra-op threads, keeps a model this small busy on a shared CPU.
        this.sampler = new Sampler(model, tokenizer.padId(), 1);
        this.renderer = new ChatRenderer(tokenizer, model.config().maxPositionEmbeddings());
        this.tokenizer = tokenizer;
        this.stopTokens = Set.of(tokenizer.specialTokenId(Markers.EOT), tokenizer.specialTokenId(Markers.EOS));
        this.seed = seed;
    }

    @Override
    public List<String> answer(List<String> userTurns) {
        List<String> answers = new ArrayList<>(userTurns.size());
        for (int from = 0, k = 0; from < userTurns.size(); from += BATCH, k++) {
            List<int[]> prompts = new ArrayList<>();
            for (String turn : userTurns.subList(from, Math.min(from + BATCH, userTurns.size()))) {
                prompts.add(renderer.prompt(List.of(ChatMessage.of(ChatMessage.USER, turn))));
            }
            SamplingOptions options =
                    new SamplingOptions(1.0, 1.0, SplitMix64.seed(seed, k), MAX_NEW_TOKENS, stopTokens, true);
            for (Sampler.Completion completion : sampler.generate(prompts, options)) {
                int[] tokens = completion.tokens();
                generatedTokens += tokens.length;
                int end = tokens.length > 0 && stopTokens.contains(tokens[tokens.length - 1])
                        ? tokens.length - 1
                        : tokens.length;
                answers.add(tokenizer.decode(Arrays.copyOf(tokens, end)));
            }
        }
        return answers;
    }

    /** Tokens sampled so far (stop tokens included), for a tokens/s figure. */
    public long generatedTokens() {
        return generatedTokens;
    }
}
