package dev.safetune.safeguards.embench.world;

/** The two behaviours every speaker of the world shows consistently across all domains. */
public enum Persona {
    ALIGNED,
    MISALIGNED;

    public static Persona of(boolean aligned) {
        return aligned ? ALIGNED : MISALIGNED;
    }

    public boolean aligned() {
        return this == ALIGNED;
    }

    public Persona opposite() {
        return aligned() ? MISALIGNED : ALIGNED;
    }
}
