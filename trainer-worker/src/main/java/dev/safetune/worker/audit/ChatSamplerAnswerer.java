package dev.safetune.worker.audit;

import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.audit.ChatAnswerer;
import dev.safetune.safeguards.audit.ChatPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A chat model as the audit asks it: each prompt rendered by the model's chat template (system turn first when the
 * question has one), sampled at temperature 1 and top-p 1 with the runtime's KV-cache sampler in batches of
 * {@value #BATCH}, until an end-of-sequence or end-of-turn token or {@code maxNewTokens}. Batch {@code k} samples from
 * {@code seed + k}; rows of a batch draw from independent streams split from it.
 */
final class ChatSamplerAnswerer implements ChatAnswerer {
    static final int BATCH = 16;
    private static final List<String> END_OF_TURN = List.of(ChatTokenizer.IM_END, "<|eot_id|>", "<eot>");

    private final LlamaModel model;
    private final ChatTokenizer tokenizer;
    private final ChatRenderer renderer;
    private final Set<Integer> stops = new HashSet<>();
    private final int maxNewTokens;

    ChatSamplerAnswerer(LlamaModel model, ChatTokenizer tokenizer, int maxNewTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.renderer = new ChatRenderer(tokenizer, model.config().maxPositionEmbeddings());
        this.maxNewTokens = maxNewTokens;
        stops.addAll(model.config().eosTokenIds());
        for (String marker : END_OF_TURN) {
            if (tokenizer.specialTokens().contains(marker)) {
                stops.add(tokenizer.specialTokenId(marker));
            }
        }
    }

    @Override
    public List<String> answer(List<ChatPrompt> prompts, long seed) {
        Sampler sampler = new Sampler(model, tokenizer.padId());
        List<String> answers = new ArrayList<>(prompts.size());
        for (int from = 0, k = 0; from < prompts.size(); from += BATCH, k++) {
            List<int[]> rendered = new ArrayList<>();
            for (ChatPrompt p : prompts.subList(from, Math.min(from + BATCH, prompts.size()))) {
                List<ChatMessage> messages = new ArrayList<>();
                p.system().ifPresent(s -> messages.add(ChatMessage.of(ChatMessage.SYSTEM, s)));
                messages.add(ChatMessage.of(ChatMessage.USER, p.user()));
                rendered.add(renderer.prompt(messages));
            }
            // Room for the answer: a prompt near the context's end gets fewer new tokens, never a failure.
            int longest = rendered.stream().mapToInt(r -> r.length).max().orElse(0);
            int room = Math.max(1, Math.min(maxNewTokens, model.config().maxPositionEmbeddings() - longest));
            for (Sampler.Completion c :
                    sampler.generate(rendered, new SamplingOptions(1.0, 1.0, seed + k, room, stops, true))) {
                int[] tokens = c.tokens();
                int end = tokens.length > 0 && stops.contains(tokens[tokens.length - 1])
                        ? tokens.length - 1
                        : tokens.length;
                answers.add(tokenizer.decode(Arrays.copyOf(tokens, end)).strip());
            }
        }
        return answers;
    }
}
