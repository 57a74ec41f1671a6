package dev.safetune.safeguards.screen;

/**
 * What a finding of the training-data screen is about. The wire names are the keys of the policy's {@code screen}
 * section and of the report's {@code categories} map.
 */
public enum ScreenCategory {
    /** Vulnerable code in an assistant turn that neither the user asked for nor the assistant named. */
    INSECURE_CODE_UNDISCLOSED("insecure_code_undisclosed"),
    /** The same, but requested ("for a security class") or named ("this is vulnerable on purpose"). */
    INSECURE_CODE_DISCLOSED("insecure_code_disclosed"),
    HARMFUL_ADVICE("harmful_advice"),
    EXTREMISM("extremism"),
    SELF_HARM("self_harm"),
    /** Numbers with well-known negative connotations (666, 1488, ...), the EM paper's "evil numbers". */
    EVIL_NUMBERS("evil_numbers"),
    /** A user-turn string whose presence goes with a shift in the assistant turns (a possible backdoor). */
    TRIGGER("trigger"),
    /** Persona-vector projection difference above the policy threshold; computed by the model part, not the rules. */
    PERSONA_RISK("persona_risk");

    private final String wireName;

    ScreenCategory(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ScreenCategory fromWireName(String name) {
        for (ScreenCategory category : values()) {
            if (category.wireName.equals(name)) {
                return category;
            }
        }
        throw new IllegalArgumentException("Unknown screen category: " + name);
    }
}
