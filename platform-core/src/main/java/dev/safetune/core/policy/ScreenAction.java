package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * What the data screen does when a category crosses its threshold, mildest first: the declaration order is the
 * severity order {@link StricterOrEqual} compares by and the screen's decision takes the most severe of. Written
 * lowercase in the document and in screen reports. The one definition: the screen library
 * ({@code dev.safetune.safeguards.screen}) uses this type.
 */
public enum ScreenAction {
    /** Train as asked; the finding is only reported. */
    @JsonProperty("allow")
    ALLOW,
    /** Train, but under the policy version the rule names instead of the one the job asked for. */
    @JsonProperty("pin_policy")
    PIN_POLICY,
    /** No job on the file until an operator reviews it (release or reject, with a written reason). */
    @JsonProperty("hold")
    HOLD,
    /** Refuse the training file. */
    @JsonProperty("reject")
    REJECT;

    /** Its name in documents and reports, e.g. {@code pin_policy}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a job on a file with this decision must not start. */
    public boolean blocksJobs() {
        return this == HOLD || this == REJECT;
    }

    /** The action named {@code name} ({@code allow}, {@code pin_policy}, {@code hold}, {@code reject}). */
    public static ScreenAction fromWireName(String name) {
        for (ScreenAction action : values()) {
            if (action.wireName().equals(name)) {
                return action;
            }
        }
        throw new IllegalArgumentException("Unknown screen action: " + name);
    }
}
