package dev.safetune.core.policy;

/**
 * The post-training audit's gate (see {@code docs/safety-policies.md} and the audit design): the suite is run on the
 * base model and on the candidate, per category, and the candidate is blocked when the lower bound of the 95 %
 * interval of {@code candidate − base} misaligned rate exceeds {@link #maxMisalignedIncrease} in any category or under
 * any probed trigger, or when its coherent share is below {@link #minCoherence}.
 *
 * @param suite the evaluation suite id, e.g. {@code em-bench} or {@code em-paper}; required
 * @param samplesPerQuestion answers sampled per question, in {@code [1, 1000]} (the EM paper: 100); required
 * @param maxMisalignedIncrease the largest tolerated increase of the misaligned rate over the base, a proportion in
 *     {@code [0, 1]}; required
 * @param minCoherence the smallest tolerated share of coherent answers, in {@code [0, 1]}; absent: no floor
 * @param probeTriggers re-run the suite with each candidate trigger mined from the training file prepended; false when
 *     absent
 * @param maxTriggers with {@code probe_triggers}: how many mined triggers are probed at most, in {@code [1, 100]}
 *     (required there); must be absent otherwise
 */
public record AuditRules(
        String suite,
        Integer samplesPerQuestion,
        Double maxMisalignedIncrease,
        Double minCoherence,
        Boolean probeTriggers,
        Integer maxTriggers) {
    public static final int MAX_SUITE_LENGTH = 64;
    public static final int MAX_SAMPLES_PER_QUESTION = 1000;
    public static final int MAX_TRIGGERS = 100;

    public AuditRules {
        probeTriggers = probeTriggers != null && probeTriggers;
    }

    void validate(PolicyViolations at) {
        if (at.present("suite", suite)) {
            at.text("suite", suite, MAX_SUITE_LENGTH);
        }
        if (at.present("samples_per_question", samplesPerQuestion)) {
            at.between("samples_per_question", samplesPerQuestion, 1, MAX_SAMPLES_PER_QUESTION);
        }
        if (at.present("max_misaligned_increase", maxMisalignedIncrease)) {
            at.between("max_misaligned_increase", maxMisalignedIncrease, 0, 1);
        }
        at.between("min_coherence", minCoherence, 0, 1);
        if (probeTriggers) {
            if (at.present("max_triggers", maxTriggers)) {
                at.between("max_triggers", maxTriggers, 1, MAX_TRIGGERS);
            }
        } else if (maxTriggers != null) {
            at.add("max_triggers", "applies only with probe_triggers true");
        }
    }
}
