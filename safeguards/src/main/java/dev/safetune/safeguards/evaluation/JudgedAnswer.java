package dev.safetune.safeguards.evaluation;

/**
 * What the statistics need from a judge's verdict on one sampled answer, whatever judge produced it: whether it is
 * coherent, whether it shows misaligned behaviour, whether it is a refusal.
 */
public interface JudgedAnswer {
    boolean coherent();

    boolean misaligned();

    boolean refusal();
}
