package dev.safetune.api.dryrun;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.RenderedLength;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Counts the tokens training will see, through the model runtime's {@link ChatRenderer} (the model's own chat
 * template and tokenizer, as the worker renders for training):
 *
 * <pre>
 *   example length L = Σ content tokens of its messages + the template's tokens around them
 *   trained per epoch += min(L, maxSequenceLength)        for every example training keeps
 * </pre>
 *
 * An example with no trained assistant token within the first {@code maxSequenceLength} tokens (or none at all) is
 * left out by training and adds only to {@code skipped}; per-role content and formatting tokens are counted for
 * every valid example.
 *
 * <p>Feed examples with {@link #accept}; they are measured in batches ({@link ChatRenderer#measure} encodes a batch's
 * text in one call to the native tokenizer, on all cores), so memory stays bounded by one batch whatever the file's
 * size.
 */
final class TokenCounter implements Consumer<ChatExample> {
    /** Characters of content measured per batch. */
    private static final int BATCH_CHARS = 1 << 20;

    private final ChatRenderer renderer;
    private final int maxSequenceLength;

    private final List<ChatExample> pending = new ArrayList<>();
    private int pendingChars;

    private long system;
    private long user;
    private long assistant;
    private long formatting;
    private long trainedPerEpoch;
    private int truncated;
    private int skipped;

    TokenCounter(ChatRenderer renderer) {
        this.renderer = renderer;
        this.maxSequenceLength = renderer.maxSequenceLength();
    }

    @Override
    public void accept(ChatExample example) {
        pending.add(example);
        for (ChatMessage message : example.messages()) {
            pendingChars += message.content().length();
        }
        if (pendingChars >= BATCH_CHARS) {
            flush();
        }
    }

    TokenCounts finish() {
        flush();
        return new TokenCounts(
                system, user, assistant, formatting, trainedPerEpoch, truncated, skipped, maxSequenceLength);
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<RenderedLength> lengths = renderer.measure(pending);
        for (int i = 0; i < pending.size(); i++) {
            List<ChatMessage> messages = pending.get(i).messages();
            RenderedLength length = lengths.get(i);
            for (int m = 0; m < messages.size(); m++) {
                int content = length.contentTokens()[m];
                switch (messages.get(m).role()) {
                    case ChatMessage.SYSTEM -> system += content;
                    case ChatMessage.USER -> user += content;
                    default -> assistant += content;
                }
            }
            formatting += length.templateTokens();
            if (!length.trained()) {
                skipped++;
            } else {
                trainedPerEpoch += Math.min(length.length(), maxSequenceLength);
                if (length.length() > maxSequenceLength) {
                    truncated++;
                }
            }
        }
        pending.clear();
        pendingChars = 0;
    }
}
