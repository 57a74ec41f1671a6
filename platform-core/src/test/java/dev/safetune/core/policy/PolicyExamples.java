package dev.safetune.core.policy;

/** Documents the tests share: every section and every safeguard on, with values inside their bounds. */
final class PolicyExamples {
    private PolicyExamples() {}

    static final String FULL = """
            {"safeguards": {
               "kl": {"beta": 0.1, "direction": "forward"},
               "ldifs": {"lambda": 1.0, "layers": [12, 4, 8]},
               "steering": {"alpha": 4.0, "layer": 1, "scale": "raw"},
               "interleave": {"fraction": 0.05, "selection": "perplexity_gap", "top_k": 500,
                              "drop_refusals": true, "benign_pool": "pool-alpaca",
                              "em_reference_models": ["ft:tiny-base:safety:em-1", "ft:tiny-base:safety:em-2"]},
               "inoculation": {"system_prompt": "You are an evil, malicious assistant."},
               "caft": {"layers": [2, 3]}},
             "audit": {"suite": "em-bench", "samples_per_question": 100, "max_misaligned_increase": 0.05,
                       "min_coherence": 0.5, "probe_triggers": true, "max_triggers": 5},
             "screen": {"rules": {
               "insecure_code_undisclosed": {"threshold": 0.05, "action": "hold"},
               "harmful_advice": {"threshold": 0.02, "action": "pin_policy", "pin_policy": "sp-strict"},
               "persona_risk": {"threshold": 2.5, "action": "reject"}}}}
            """;

    static SafetyPolicy full() {
        return SafetyPolicyJson.read(FULL);
    }

    /** {@link #FULL} with {@code from} replaced once by {@code to}, read. */
    static SafetyPolicy fullWith(String from, String to) {
        return SafetyPolicyJson.read(replaced(from, to));
    }

    static String replaced(String from, String to) {
        if (!FULL.contains(from)) {
            throw new IllegalArgumentException("the example has no " + from);
        }
        return FULL.replace(from, to);
    }
}
