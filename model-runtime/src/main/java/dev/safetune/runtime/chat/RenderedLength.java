package dev.safetune.runtime.chat;

/**
 * The size of one conversation as {@link ChatRenderer} renders it for training, before the cut to the maximum length.
 *
 * @param contentTokens per message, in order: the tokens of its content
 * @param templateTokens the tokens of the chat template's text around the contents (role headers, turn markers,
 *     end-of-turn tokens, a default system prompt the template adds)
 * @param trained whether training keeps the example: it has a trained token within the first
 *     {@code maxSequenceLength} tokens ({@link ChatRenderer#render} is not empty)
 */
public record RenderedLength(int[] contentTokens, int templateTokens, boolean trained) {

    /** All tokens of the rendering, uncut: {@code Σ contentTokens + templateTokens}. */
    public long length() {
        long length = templateTokens;
        for (int n : contentTokens) {
            length += n;
        }
        return length;
    }
}
