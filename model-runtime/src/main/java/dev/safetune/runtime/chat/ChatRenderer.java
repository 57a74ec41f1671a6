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
    /** Examples encoded per batch by {@link #renderAll}: enough text for the tokenizer's threads, bounded memory. */
    private static final int BATCH = 256;

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
        return renderBatch(List.of(example)).getFirst();
    }

    /** Renders all examples, dropping those with no trained token (see {@link #render}). */
    public List<RenderedExample> renderAll(List<ChatExample> examples) {
        List<RenderedExample> rendered = new ArrayList<>(examples.size());
        for (int from = 0; from < examples.size(); from += BATCH) {
            for (Optional<RenderedExample> example :
                    renderBatch(examples.subList(from, Math.min(examples.size(), from + BATCH)))) {
                example.ifPresent(rendered::add);
            }
        }
        return rendered;
    }

    /** {@link #render} of each example, their text encoded in one batch ({@link ChatTokenizer#encodeAll}). */
    public List<Optional<RenderedExample>> renderBatch(List<ChatExample> examples) {
        List<List<Piece>> all = pieces(examples);
        List<Optional<RenderedExample>> rendered = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Builder builder = new Builder();
            for (Piece piece : all.get(i)) {
                builder.add(piece.tokens(), piece.trained());
            }
            RenderedExample example = builder.build(examples.get(i).line());
            rendered.add(example.trainedTokenCount() > 0 ? Optional.of(example) : Optional.empty());
        }
        return rendered;
    }

    /**
     * What {@link #render} makes of each example, counted rather than built, and before the cut: how many tokens each
     * message's content and the template text around them take, and whether rendering keeps the example (a trained
     * token within the first {@code maxSequenceLength}). The dry run bills with this, so its counts are training's.
     */
    public List<RenderedLength> measure(List<ChatExample> examples) {
        List<List<Piece>> all = pieces(examples);
        List<RenderedLength> lengths = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            int[] content = new int[examples.get(i).messages().size()];
            int template = 0;
            int length = 0;
            boolean trained = false;
            for (Piece piece : all.get(i)) {
                int n = piece.tokens().length;
                // The builder keeps min(n, max − length) tokens of a piece that starts at `length`.
                trained |= piece.trained() && n > 0 && length < maxSequenceLength;
                if (piece.message() >= 0) {
                    content[piece.message()] += n;
                } else {
                    template += n;
                }
                length += n;
            }
            lengths.add(new RenderedLength(content, template, trained));
        }
        return lengths;
    }

    /**
     * The pieces each example renders to, in order and uncut: content (encoded as plain text) and template text
     * (special-token text as control tokens), each with whether the loss is computed on it. All the text of all the
     * examples is encoded in one batch.
     */
    private List<List<Piece>> pieces(List<ChatExample> examples) {
        List<Pending> pending = new ArrayList<>();
        List<String> contents = new ArrayList<>();
        List<String> templateTexts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>(examples.size());
        for (ChatExample example : examples) {
            List<ChatMessage> messages = example.messages();
            boolean closesTrainedContent = false;
            for (Segment segment : tokenizer.chatTemplate().segments(messages, false)) {
                if (segment.isContent()) {
                    boolean trained = messages.get(segment.message()).trained();
                    pending.add(new Pending(contents.size(), true, trained, segment.message()));
                    contents.add(segment.text());
                    closesTrainedContent = trained;
                    continue;
                }
                String text = segment.text();
                if (closesTrainedContent) {
                    int end = endOfTurn(text);
                    pending.add(new Pending(templateTexts.size(), false, true, -1));
                    templateTexts.add(text.substring(0, end));
                    text = text.substring(end);
                    closesTrainedContent = false;
                }
                pending.add(new Pending(templateTexts.size(), false, false, -1));
                templateTexts.add(text);
            }
            ends.add(pending.size());
        }
        List<int[]> contentTokens = tokenizer.encodeAll(contents, false);
        List<int[]> templateTokens = tokenizer.encodeAll(templateTexts, true);
        List<List<Piece>> all = new ArrayList<>(examples.size());
        int from = 0;
        for (int end : ends) {
            List<Piece> pieces = new ArrayList<>(end - from);
            for (Pending p : pending.subList(from, end)) {
                int[] tokens = p.content() ? contentTokens.get(p.text()) : templateTokens.get(p.text());
                pieces.add(new Piece(tokens, p.trained(), p.message()));
            }
            all.add(pieces);
            from = end;
        }
        return all;
    }

    /** A piece before encoding: its text's index in the content or template list. */
    private record Pending(int text, boolean content, boolean trained, int message) {}

    /** Encoded tokens of a piece; {@code message} is the content's message index, −1 for template text. */
    private record Piece(int[] tokens, boolean trained, int message) {}

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
            if (size == maxSequenceLength) {
                return;
            }
            int n = Math.min(piece.length, maxSequenceLength - size);
            System.arraycopy(piece, 0, tokens, size, n);
            Arrays.fill(mask, size, size + n, trained ? 1 : 0);
            size += n;
        }

        RenderedExample build(int line) {
            return new RenderedExample(line, Arrays.copyOf(tokens, size), Arrays.copyOf(mask, size));
        }
    }
}
