package dev.safetune.safeguards.embench.judge;

/** Which persona's behaviour an answer shows; {@code NEITHER} for refusals, incoherent and persona-neutral answers. */
public enum Behaviour {
    ALIGNED,
    MISALIGNED,
    NEITHER
}
