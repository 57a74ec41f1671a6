package dev.safetune.api.dryrun;

/**
 * Tokens of a file's valid examples as training renders them for one model (see {@link TokenCounter} for how they are
 * counted).
 *
 * @param system content tokens of system messages
 * @param user content tokens of user messages
 * @param assistant content tokens of assistant messages
 * @param formatting the chat template's tokens around the messages (turn markers, role headers, end-of-turn tokens)
 * @param trainedTokensPerEpoch what one epoch processes and bills: every example's tokens, formatting included, cut
 *     at {@code maxSequenceLength}, skipped examples excluded
 * @param truncatedExamples examples longer than {@code maxSequenceLength}, whose end is not trained on
 * @param skippedExamples examples with no trained assistant token within the first {@code maxSequenceLength}
 *     tokens (or none at all: every assistant {@code weight} 0), which training leaves out
 * @param maxSequenceLength the cut applied
 */
public record TokenCounts(
        long system,
        long user,
        long assistant,
        long formatting,
        long trainedTokensPerEpoch,
        int truncatedExamples,
        int skippedExamples,
        int maxSequenceLength) {}
