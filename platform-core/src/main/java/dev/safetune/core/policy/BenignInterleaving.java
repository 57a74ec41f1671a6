package dev.safetune.core.policy;

import java.util.List;

/**
 * Interleaving benign instruct data: a fraction f of each epoch comes from a benign pool, chosen uniformly or by
 * perplexity gap against known emergently misaligned reference models, optionally without refusals (Kaczér et al.,
 * arXiv 2508.06249: interleave, interleave+, interleave++; their f = 5 %).
 *
 * @param fraction f, in {@code [0, 0.5]}; required
 * @param selection {@link InterleaveSelection#UNIFORM} when absent
 * @param topK with {@code perplexity_gap}: how many of the highest-scoring pool examples are candidates, at least 1
 *     (required there); must be absent with {@code uniform}
 * @param dropRefusals leave refusals out of the pool (interleave++); false when absent
 * @param benignPool the id of the benign pool; required
 * @param emReferenceModels with {@code perplexity_gap}: the EM reference models (adapter model ids registered for the
 *     base by the safety team) whose NLL is {@code NLL_mis}; at least one there, none with {@code uniform}
 */
public record BenignInterleaving(
        Double fraction,
        InterleaveSelection selection,
        Integer topK,
        Boolean dropRefusals,
        String benignPool,
        List<String> emReferenceModels)
        implements Safeguard {
    public static final double MAX_FRACTION = 0.5;
    public static final int MAX_TOP_K = 10_000_000;
    public static final int MAX_ID_LENGTH = 256;

    public BenignInterleaving {
        selection = selection == null ? InterleaveSelection.UNIFORM : selection;
        dropRefusals = dropRefusals != null && dropRefusals;
        emReferenceModels = emReferenceModels == null
                ? List.of()
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(emReferenceModels));
    }

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("fraction", fraction)) {
            at.between("fraction", fraction, 0, MAX_FRACTION);
        }
        if (at.present("benign_pool", benignPool)) {
            at.text("benign_pool", benignPool, MAX_ID_LENGTH);
        }
        at.ids("em_reference_models", emReferenceModels, MAX_ID_LENGTH);
        if (selection == InterleaveSelection.PERPLEXITY_GAP) {
            if (at.present("top_k", topK)) {
                at.between("top_k", topK, 1, MAX_TOP_K);
            }
            if (emReferenceModels.isEmpty()) {
                at.add("em_reference_models", "needs at least one EM reference model with selection perplexity_gap");
            }
        } else {
            if (topK != null) {
                at.add("top_k", "applies only to selection perplexity_gap");
            }
            if (!emReferenceModels.isEmpty()) {
                at.add("em_reference_models", "apply only to selection perplexity_gap");
            }
        }
    }
}
