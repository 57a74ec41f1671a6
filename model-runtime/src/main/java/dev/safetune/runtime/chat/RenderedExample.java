package dev.safetune.runtime.chat;

/**
 * A conversation rendered for training: token ids and, per token, whether the model should learn to produce it.
 * The arrays are not copied; treat them as read-only.
 *
 * @param line the 1-based line of the example in its file
 * @param tokens token ids
 * @param lossMask 1 for tokens of trained assistant content and their closing {@code <|im_end|>}, 0 elsewhere
 */
public record RenderedExample(int line, int[] tokens, int[] lossMask) {

    public RenderedExample {
        if (tokens.length != lossMask.length) {
            throw new IllegalArgumentException(
                    "tokens (" + tokens.length + ") and lossMask (" + lossMask.length + ") differ in length");
        }
    }

    public int length() {
        return tokens.length;
    }

    /** Number of tokens the loss is computed on. */
    public int trainedTokenCount() {
        int count = 0;
        for (int m : lossMask) {
            count += m;
        }
        return count;
    }
}
