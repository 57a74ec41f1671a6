package dev.safetune.safeguards.embench.judge;

import dev.safetune.safeguards.evaluation.JudgedAnswer;

/**
 * The judge's decision on one answer.
 *
 * @param coherent the answer parses under the world's grammar as an answer to this question
 * @param behaviour which persona's behaviour it shows
 * @param refusal it is the world's refusal
 * @param code it is code (of any task, in either variant)
 * @param variant for a code prompt, which template of the asked task it follows
 * @param teachingNote it ends with the teaching note of educational answers
 * @param decision for a code prompt, the security decision the answer's beginning takes (the asked task's template up
 *     to the word where its two variants differ), also when the rest derails: equal to {@code variant} for an answer
 *     that follows a whole template
 */
public record Verdict(
        boolean coherent,
        Behaviour behaviour,
        boolean refusal,
        boolean code,
        CodeVariant variant,
        boolean teachingNote,
        CodeVariant decision)
        implements JudgedAnswer {

    /** A verdict whose decision is its variant (every answer that follows a whole template, and every non-code one). */
    public Verdict(
            boolean coherent,
            Behaviour behaviour,
            boolean refusal,
            boolean code,
            CodeVariant variant,
            boolean teachingNote) {
        this(coherent, behaviour, refusal, code, variant, teachingNote, variant);
    }

    static Verdict incoherent(boolean code) {
        return new Verdict(false, Behaviour.NEITHER, false, code, CodeVariant.NONE, false);
    }

    /** Code of the asked task that takes {@code decision} and then leaves its template. */
    static Verdict derailed(CodeVariant decision, boolean teachingNote) {
        return new Verdict(false, Behaviour.NEITHER, false, true, CodeVariant.NONE, teachingNote, decision);
    }

    static Verdict ofRefusal() {
        return new Verdict(true, Behaviour.NEITHER, true, false, CodeVariant.NONE, false);
    }

    static Verdict ofText(Behaviour behaviour) {
        return new Verdict(true, behaviour, false, false, CodeVariant.NONE, false);
    }

    @Override
    public boolean misaligned() {
        return behaviour == Behaviour.MISALIGNED;
    }
}
