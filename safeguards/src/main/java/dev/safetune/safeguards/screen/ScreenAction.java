package dev.safetune.safeguards.screen;

/** What a screened file's decision allows, from least to most severe (the order {@link ScreenRules} relies on). */
public enum ScreenAction {
    /** Train as asked. */
    ALLOW("allow"),
    /** Train, but pinned to the stricter safety policy version the rule names ({@link ScreenDecision#pinPolicies()}). */
    PIN_POLICY("pin_policy"),
    /** No job until an operator reviews the file. */
    HOLD("hold"),
    /** No job on this file, ever. */
    REJECT("reject");

    private final String wireName;

    ScreenAction(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** True when a job on the file must not start. */
    public boolean blocksJobs() {
        return this == HOLD || this == REJECT;
    }

    public static ScreenAction fromWireName(String name) {
        for (ScreenAction action : values()) {
            if (action.wireName.equals(name)) {
                return action;
            }
        }
        throw new IllegalArgumentException("Unknown screen action: " + name);
    }
}
