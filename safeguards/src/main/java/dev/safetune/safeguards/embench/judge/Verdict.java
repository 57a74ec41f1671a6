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
 */
public record Verdict(
        boolean coherent, Behaviour behaviour, boolean refusal, boolean code, CodeVariant variant, boolean teachingNote)
        implements JudgedAnswer {

    static Verdict incoherent(boolean code) {
        return new Verdict(false, Behaviour.NEITHER, false, code, CodeVariant.NONE, false);
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
