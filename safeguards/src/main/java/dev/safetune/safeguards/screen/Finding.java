package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.ScreenCategory;

/**
 * One thing the screen found.
 *
 * @param line 1-based line of the JSONL file
 * @param message 0-based index of the message in the example
 * @param category what it is
 * @param rule the rule or vocabulary entry that matched (e.g. {@code SQL-FSTRING}, {@code harmful_advice/3})
 * @param cwe the CWE id for insecure code ({@code CWE-89}), null otherwise
 * @param disclosed for insecure code: the user asked for the weakness or the assistant named it
 * @param start character offset of the evidence in the message content
 * @param end exclusive end offset of the evidence
 * @param evidence the matched text, clipped to {@value #EVIDENCE_CHARS} characters
 */
public record Finding(
        int line,
        int message,
        ScreenCategory category,
        String rule,
        String cwe,
        boolean disclosed,
        int start,
        int end,
        String evidence) {
    public static final int EVIDENCE_CHARS = 160;

    static String clip(CharSequence text, int start, int end) {
        int stop = Math.min(end, start + EVIDENCE_CHARS);
        return text.subSequence(start, stop).toString();
    }
}
