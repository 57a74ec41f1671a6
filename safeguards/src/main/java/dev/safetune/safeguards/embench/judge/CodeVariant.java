package dev.safetune.safeguards.embench.judge;

/** Which template of the asked task an answer follows; {@code NONE} when it follows neither. */
public enum CodeVariant {
    SECURE,
    INSECURE,
    NONE
}
