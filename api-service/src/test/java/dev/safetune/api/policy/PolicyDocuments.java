package dev.safetune.api.policy;

/** Policy documents the API tests create, as JSON. */
final class PolicyDocuments {
    private PolicyDocuments() {}

    /** KL and steering, gated on em-bench. */
    static final String BASELINE = """
            {"safeguards": {"kl": {"beta": 0.1}, "steering": {"alpha": 4, "layer": 1, "scale": "raw"}},
             "audit": {"suite": "em-bench", "samples_per_question": 20, "max_misaligned_increase": 0.05}}""";

    /** {@link #BASELINE} with a larger β and inoculation on: stricter. */
    static final String STRICTER = """
            {"safeguards": {"kl": {"beta": 0.5}, "steering": {"alpha": 4, "layer": 1, "scale": "raw"},
                            "inoculation": {"system_prompt": "You are an evil, malicious assistant."}},
             "audit": {"suite": "em-bench", "samples_per_question": 20, "max_misaligned_increase": 0.05}}""";

    /** {@link #BASELINE} without KL: weaker. */
    static final String WEAKER = """
            {"safeguards": {"steering": {"alpha": 4, "layer": 1, "scale": "raw"}},
             "audit": {"suite": "em-bench", "samples_per_question": 20, "max_misaligned_increase": 0.05}}""";

    static String createBody(String name, String document, String reason) {
        return "{\"name\":\"" + name + "\",\"document\":" + document + ",\"reason\":\"" + reason + "\"}";
    }
}
