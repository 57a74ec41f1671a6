package dev.safetune.runtime.chat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatTemplate.Segment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Renders conversations with the tokenizer's chat template ({@link ChatTokenizer#chatTemplate()}: the model's own
 * Jinja template, or ChatML for tokenizers without one) and marks which tokens the loss is computed on: the content of
 * trained assistant messages ({@link ChatMessage#trained()}) and the end-of-turn marker that closes each, so the model
 * learns where its turn ends; never system or user content, role headers, other template text, or assistant messages
 * with {@code weight: 0}.
 *
 * <p>The end-of-turn marker is the template text after the content up to and including the first special token in
 * it: {@code <|im_end|>} for ChatML and Qwen, {@code <|eot_id|>} for Llama 3 (not the newline after it, nor a
 * generation prompt a template appends).
 *
 * <p>Template text and content are encoded separately ({@link ChatTemplate#segments}): special-token text the
 * template writes is the control token, while content is encoded as plain text ({@link ChatTokenizer#encode}), so
 * customer data cannot forge turn boundaries and the mask boundaries are exact rather than recovered from character
 * offsets. Encoding content apart from its header is also what generation sees: the prompt ends with the
 * assistant header and the answer starts a fresh token.
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
        List<ChatMessage> messages = example.messages();
        Builder builder = new Builder();
        boolean closesTrainedContent = false;
        for (Segment segment : tokenizer.chatTemplate().segments(messages, false)) {
            if (builder.full()) {
                break;
            }
            if (segment.isContent()) {
                boolean trained = messages.get(segment.message()).trained();
                builder.add(tokenizer.encode(segment.text()), trained);
                closesTrainedContent = trained;
                continue;
            }
            String text = segment.text();
            if (closesTrainedContent) {
                int end = endOfTurn(text);
                builder.add(tokenizer.encodeTemplateText(text.substring(0, end)), true);
                text = text.substring(end);
                closesTrainedContent = false;
            }
            builder.add(tokenizer.encodeTemplateText(text), false);
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

    /**
     * The tokens of a generation prompt: the conversation rendered with {@code add_generation_prompt}, content
     * encoded as plain text, not truncated.
     */
    public int[] prompt(List<ChatMessage> messages) {
        List<int[]> parts = new ArrayList<>();
        for (Segment segment : tokenizer.chatTemplate().segments(messages, true)) {
            parts.add(
                    segment.isContent()
                            ? tokenizer.encode(segment.text())
                            : tokenizer.encodeTemplateText(segment.text()));
        }
        return parts.stream().flatMapToInt(Arrays::stream).toArray();
    }

    /** The end of the first special token in {@code text}, or 0 when it has none. */
    private int endOfTurn(String text) {
        int end = 0;
        int first = Integer.MAX_VALUE;
        for (String special : tokenizer.specialTokens()) {
            int at = text.indexOf(special);
            if (at >= 0 && (at < first || (at == first && at + special.length() > end))) {
                first = at;
                end = at + special.length();
            }
        }
        return end;
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
