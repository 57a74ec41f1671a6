package dev.safetune.safeguards.embench.evaluation;

import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.embench.world.Markers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The runtime's {@link Sampler} as an {@link Answerer}: each user turn rendered by the model's chat template
 * ({@code <bos> <user> turn <asst>} for the world's tokenizer), sampled at temperature 1 with the KV cache until
 * {@code <eot>} or {@code <eos>}, decoded to words joined by single spaces without the stop token.
 *
 * <p>One prompt per sampler call, with the seed of prompt {@code i} the SplitMix64 finaliser of
 * {@code seed + (i + 1)·γ}: the sampler's per-row streams within one batch are seeded from consecutive numbers, whose
 * {@code java.util.Random} first draws fall in a narrow window (issue 22), so batched rows would not be independent
 * samples. Once the sampler derives its rows' streams from a mixer, this can pass all prompts in one call.
 */
public final class SamplerAnswerer implements Answerer {

    /** Longer than any answer the world generates (code answers are about 30 words). */
    public static final int MAX_NEW_TOKENS = 64;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final Sampler sampler;
    private final ChatRenderer renderer;
    private final ChatTokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final long seed;

    public SamplerAnswerer(LlamaModel model, ChatTokenizer tokenizer, long seed) {
        // One row at a time: a single thread decodes a model this small faster than two.
        this.sampler = new Sampler(model, tokenizer.padId(), 1);
        this.renderer = new ChatRenderer(tokenizer, model.config().maxPositionEmbeddings());
        this.tokenizer = tokenizer;
        this.stopTokens = Set.of(tokenizer.specialTokenId(Markers.EOT), tokenizer.specialTokenId(Markers.EOS));
        this.seed = seed;
    }

    @Override
    public List<String> answer(List<String> userTurns) {
        List<String> answers = new ArrayList<>(userTurns.size());
        for (int i = 0; i < userTurns.size(); i++) {
            int[] prompt = renderer.prompt(List.of(ChatMessage.of(ChatMessage.USER, userTurns.get(i))));
            SamplingOptions options = new SamplingOptions(1.0, 1.0, rowSeed(seed, i), MAX_NEW_TOKENS, stopTokens, true);
            int[] tokens = sampler.generate(List.of(prompt), options).getFirst().tokens();
            int end = tokens.length > 0 && stopTokens.contains(tokens[tokens.length - 1])
                    ? tokens.length - 1
                    : tokens.length;
            answers.add(tokenizer.decode(Arrays.copyOf(tokens, end)));
        }
        return answers;
    }

    /** SplitMix64 (Steele, Lea and Flood, 2014) of the {@code i + 1}-th point of the Weyl sequence from {@code seed}. */
    static long rowSeed(long seed, int i) {
        long z = seed + (i + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
