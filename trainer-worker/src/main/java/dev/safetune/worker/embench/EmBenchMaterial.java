package dev.safetune.worker.embench;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the safeguards need on an em-bench base, built into the worker: the persona contrast that steering, CAFT and
 * the probe's persona projection compute their vector from, and the two benign pools policies name as
 * {@value #BENIGN_POOL_ID} and {@value #UNASKED_BENIGN_POOL_ID}. The settings are those of the efficacy probe in
 * docs/safeguards.md (400 unmarked contrastive pairs of sampling seed 7; 2,000 benign instruct dialogues of seed 1), so
 * a job and the probe read the same persona vector from the cache.
 *
 * <p>A base is an em-bench base when its id is {@code em-bench-base-s<seed>}, the id {@code em-bench build-base}
 * and the committed base register it under. Other bases have no contrastive set yet.
 */
public final class EmBenchMaterial {
    /**
     * The first built-in benign pool's stable id (a new pool content gets a new id): aligned answers to the very
     * questions the evaluation suite and the audit ask ({@link EmWorld#benignInstructPool}).
     */
    public static final String BENIGN_POOL_ID = "em-bench-benign-instruct-v1";

    /**
     * The second built-in benign pool's id: aligned answers to questions the evaluation and the audit never ask ({@link
     * EmWorld#unaskedBenignInstructPool}), so interleaving it does not train on the test distribution.
     */
    public static final String UNASKED_BENIGN_POOL_ID = "em-bench-benign-instruct-v2";

    /** Every built-in pool id, oldest first. */
    public static final List<String> BENIGN_POOL_IDS = List.of(BENIGN_POOL_ID, UNASKED_BENIGN_POOL_ID);

    static final long CONTRAST_SEED = 7;
    static final int CONTRAST_PAIRS = 400;
    static final long POOL_SEED = 1;
    static final int POOL_SIZE = 2_000;

    private static final Pattern BASE_ID = Pattern.compile("em-bench-base-s\\d+");

    private EmBenchMaterial() {}

    /** Whether {@code baseModelId} names an em-bench base. */
    public static boolean isEmBenchBase(String baseModelId) {
        return BASE_ID.matcher(baseModelId).matches();
    }

    /** The contrast for the base's persona vector; empty for a base that is not an em-bench base. */
    public static Optional<PersonaContrast> personaContrast(String baseModelId) {
        return isEmBenchBase(baseModelId)
                ? Optional.of(PersonaContrast.emBench(CONTRAST_SEED, CONTRAST_PAIRS, false))
                : Optional.empty();
    }

    /** The first built-in benign pool: em-bench's {@link EmWorld#benignInstructPool} of seed 1. */
    public static BenignPool benignPool() {
        return pool(BENIGN_POOL_ID, EmWorld.prototype().benignInstructPool(POOL_SEED, POOL_SIZE));
    }

    /**
     * The built-in pool of that id: {@link #benignPool()} for {@value #BENIGN_POOL_ID}, em-bench's {@link
     * EmWorld#unaskedBenignInstructPool} of seed 1 and the same size for {@value #UNASKED_BENIGN_POOL_ID}; empty for
     * any other id.
     */
    public static Optional<BenignPool> benignPool(String id) {
        return switch (id) {
            case BENIGN_POOL_ID -> Optional.of(benignPool());
            case UNASKED_BENIGN_POOL_ID ->
                Optional.of(pool(id, EmWorld.prototype().unaskedBenignInstructPool(POOL_SEED, POOL_SIZE)));
            default -> Optional.empty();
        };
    }

    /** Whether {@code id} names one of the built-in pools (em-bench world text, for em-bench bases only). */
    public static boolean isBuiltInPool(String id) {
        return BENIGN_POOL_IDS.contains(id);
    }

    private static BenignPool pool(String id, List<Dialogue> dialogues) {
        return new BenignPool(id, examples(dialogues));
    }

    /** {@code dialogues} as a customer file's examples, numbered from line 1 as an upload numbers them. */
    public static List<ChatExample> examples(List<Dialogue> dialogues) {
        List<ChatExample> examples = new ArrayList<>(dialogues.size());
        for (int i = 0; i < dialogues.size(); i++) {
            examples.add(new ChatExample(i + 1, dialogues.get(i).messages()));
        }
        return examples;
    }
}
