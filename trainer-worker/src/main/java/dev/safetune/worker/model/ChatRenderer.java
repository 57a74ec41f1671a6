package dev.safetune.worker.model;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Renders conversations in ChatML, the format of the chat template {@link TokenizerGenerator} writes:
 *
 * <pre>
 *   &lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n      for every message
 * </pre>
 *
 * and marks which tokens the loss is computed on: the content of trained assistant messages
 * ({@link ChatMessage#trained()}) and the {@code <|im_end|>} that closes each, so the model learns where its turn
 * ends; never system or user content, role headers, the newline after {@code <|im_end|>}, or assistant messages
 * with {@code weight: 0}.
 *
 * <p>Each piece is encoded on its own (special tokens by id, text with the tokenizer), so the mask boundaries are
 * exact rather than recovered from character offsets. Encoding content separately from its role header is also
 * what generation sees: the prompt ends with {@code assistant\n} and the answer starts a fresh token.
 */
public final class ChatRenderer {

    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 256;

    private final ChatTokenizer tokenizer;
    private final int maxSequenceLength;

    /**
     * @param maxSequenceLength longer renderings are cut to their first {@code maxSequenceLength} tokens
     */
    public ChatRenderer(ChatTokenizer tokenizer, int maxSequenceLength) {
        if (maxSequenceLength < 2) {
            throw new IllegalArgumentException("maxSequenceLength must be at least 2, got " + maxSequenceLength);
        }
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
    }

    /**
     * Renders one example, truncated to the maximum length.
     *
     * @return empty when no trained token is left (no trained assistant message, or all cut off)
     */
    public Optional<RenderedExample> render(ChatExample example) {
        Builder builder = new Builder();
        for (ChatMessage message : example.messages()) {
            if (builder.full()) {
                break;
            }
            boolean trained = message.trained();
            builder.add(new int[] {tokenizer.imStartId()}, false);
            builder.add(tokenizer.encode(message.role() + "\n"), false);
            builder.add(tokenizer.encode(message.content()), trained);
            builder.add(new int[] {tokenizer.imEndId()}, trained);
            builder.add(tokenizer.encode("\n"), false);
        }
        RenderedExample rendered = builder.build(example.line());
        return rendered.trainedTokenCount() > 0 ? Optional.of(rendered) : Optional.empty();
    }

    /** Renders all examples, dropping those with no trained token (see {@link #render}). */
    public List<RenderedExample> renderAll(List<ChatExample> examples) {
        List<RenderedExample> rendered = new ArrayList<>(examples.size());
        for (ChatExample example : examples) {
            render(example).ifPresent(rendered::add);
        }
        return rendered;
    }

    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Appends pieces up to the length limit. */
    private final class Builder {
        private final int[] tokens = new int[maxSequenceLength];
        private final int[] mask = new int[maxSequenceLength];
        private int size;

        void add(int[] piece, boolean trained) {
            int n = Math.min(piece.length, maxSequenceLength - size);
            System.arraycopy(piece, 0, tokens, size, n);
            Arrays.fill(mask, size, size + n, trained ? 1 : 0);
            size += n;
        }

        boolean full() {
            return size == maxSequenceLength;
        }

        RenderedExample build(int line) {
            return new RenderedExample(line, Arrays.copyOf(tokens, size), Arrays.copyOf(mask, size));
        }
    }
}
