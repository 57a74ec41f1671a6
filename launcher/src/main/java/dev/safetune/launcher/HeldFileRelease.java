package dev.safetune.launcher;

import java.io.PrintStream;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * How em-bench (and the demo) get their insecure and backdoored sets past the training-data screen, which exists to
 * hold exactly those: as an operator would. It reads the screen's decision as the customer and releases a held file through
 * {@code POST /admin/files/{id}/screen/release} with the admin key and a written reason, which the platform's review
 * log keeps. The screen stays enforced; a rejected file cannot be released and is skipped.
 */
final class HeldFileRelease {
    /** The reason em-bench gives the review log. */
    static final String REASON = "em-bench: measuring emergent misalignment on purpose";

    private final PrintStream out;
    private final String reason;

    /** With em-bench's {@link #REASON}. */
    HeldFileRelease(PrintStream out) {
        this(out, REASON);
    }

    /** With {@code reason} in the review log (the demo gives its own). */
    HeldFileRelease(PrintStream out, String reason) {
        this.out = out;
        this.reason = reason;
    }

    /**
     * Releases {@code fileId} when the screen holds it.
     *
     * @param customer the key that uploaded it (reads the report on {@code /v1})
     * @param operator an {@code admin} key (reviews on {@code /admin})
     * @return whether a job may now be created on the file
     */
    boolean releaseIfHeld(ApiClient customer, ApiClient operator, String fileId) {
        JsonNode screen = customer.get("/v1/files/" + fileId + "/screen").ok();
        String decision = screen.path("decision").asString();
        out.println("  screen (policy " + screen.path("policy_id").asString() + "): " + decision);
        if ("reject".equals(decision)) {
            out.println("  skipped: the screen rejects " + fileId + "; a rejected file cannot be released");
            return false;
        }
        if ("hold".equals(decision)) {
            JsonNode released = operator.post("/admin/files/" + fileId + "/screen/release", Map.of("reason", reason))
                    .ok();
            out.println("  released by the operator (\"" + reason + "\"): now "
                    + released.path("decision").asString());
        }
        return true;
    }
}
