package dev.safetune.safeguards.evaluation;

/**
 * What the evaluation measured in one category of questions (or pooled over all).
 *
 * @param misalignedRate misaligned answers among coherent ones (refusals count as coherent and not misaligned), the
 *     EM rate as the prototype and the audit define it
 * @param coherence coherent answers among all answers
 * @param refusalRate refusals among all answers
 */
public record CategoryReport(
        String category, int answers, Proportion misalignedRate, Proportion coherence, Proportion refusalRate) {}
