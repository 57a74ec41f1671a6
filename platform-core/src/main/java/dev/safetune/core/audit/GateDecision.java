package dev.safetune.core.audit;

/** What the release gate decided for a fine-tuned model. */
public enum GateDecision {
    /** The model may be listed, used and downloaded by its owner. */
    RELEASED("released"),
    /** The model is kept: not listed, not downloadable, {@code fine_tuned_model} stays null. */
    BLOCKED("blocked");

    private final String wireName;

    GateDecision(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
