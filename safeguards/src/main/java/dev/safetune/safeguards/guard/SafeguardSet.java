package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.ForwardOutput;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.loss.TokenObjective;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The safeguards of one run, composed in order: what the fine-tuner calls instead of each safeguard. Every safeguard
 * combines with every other in one step; one frozen reference pass (adapter off, no gradient) serves every term that
 * asked for one (KL and LDIFS together), and none is run when none asked.
 *
 * <p>The step's loss is {@code L = L_task + Σ_s term_s}, each term reported by name ({@link StepLoss}).
 */
public final class SafeguardSet {

    /** No safeguard: plain supervised fine-tuning. */
    public static final SafeguardSet NONE = new SafeguardSet(List.of());

    private final List<Safeguard> safeguards;
    private final ReferenceNeeds needs;

    public SafeguardSet(List<Safeguard> safeguards) {
        this.safeguards = List.copyOf(safeguards);
        Set<String> names = new HashSet<>();
        ReferenceNeeds merged = ReferenceNeeds.NONE;
        for (Safeguard s : this.safeguards) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("safeguard " + s.name() + " is listed twice");
            }
            merged = merged.and(s.reference());
        }
        this.needs = merged;
    }

    /** Builds each of {@code settings} in order from {@code context}'s artifacts. */
    public static SafeguardSet build(List<? extends SafeguardSettings> settings, GuardContext context)
            throws IOException {
        List<Safeguard> built = new ArrayList<>();
        for (SafeguardSettings s : settings) {
            built.add(s.build(context));
        }
        return new SafeguardSet(built);
    }

    public List<Safeguard> safeguards() {
        return safeguards;
    }

    public boolean isEmpty() {
        return safeguards.isEmpty();
    }

    /** What the shared reference pass computes; {@link ReferenceNeeds#any()} false means it is skipped. */
    public ReferenceNeeds referenceNeeds() {
        return needs;
    }

    /**
     * The training set: each of the customer's examples rewritten by every safeguard in order, then every safeguard's
     * additions (drawn from {@code seed}) appended. Only training examples pass through here.
     */
    public List<ChatExample> trainingSet(List<ChatExample> training, long seed) {
        List<ChatExample> rewritten = new ArrayList<>(training.size());
        for (ChatExample example : training) {
            ChatExample current = example;
            for (Safeguard s : safeguards) {
                current = s.rewrite(current);
            }
            rewritten.add(current);
        }
        List<ChatExample> all = new ArrayList<>(rewritten);
        for (Safeguard s : safeguards) {
            all.addAll(s.additions(rewritten, seed));
        }
        return all;
    }

    /** The options of the training step's forward pass: adapter on, dropout, the merged captures, each safeguard's. */
    public ForwardOptions trainingPass(NDManager manager) {
        ForwardOptions options = ForwardOptions.trainingStep().capturing(layers());
        for (Safeguard s : safeguards) {
            options = s.trainingPass(options, manager);
        }
        return options;
    }

    /**
     * The frozen reference pass: the base model (adapter off), no steering or ablation, no dropout, hidden states and
     * logits only as asked, the logits only at the positions that predict an assistant token (what KL reads). Run it
     * with autograd not recording (outside the step's gradient collector).
     *
     * @param lossMask {@code [B, T]} the batch's loss mask
     * @return null when no safeguard needs it
     */
    public ReferencePass referencePass(LlamaModel model, NDArray tokens, NDArray lossMask) {
        if (!needs.any()) {
            return null;
        }
        int last = model.config().numHiddenLayers();
        SortedSet<Integer> capture = new TreeSet<>(needs.layers());
        if (needs.logits()) {
            capture.add(last);
        }
        // Shares a common prefix (a system turn on every row) like the trained pass: every position is still computed.
        ForwardOutput out =
                model.forward(tokens, new ForwardOptions(false, false, false, capture, Map.of(), Map.of(), true));
        NDArray logits = needs.logits()
                ? model.logits(StepPasses.rowsWhere(out.hiddenStates().get(last), StepPasses.nextTokenMask(lossMask)))
                : null;
        SortedMap<Integer, NDArray> hidden = new TreeMap<>(out.hiddenStates());
        hidden.keySet().retainAll(needs.layers());
        return new ReferencePass(logits, hidden);
    }

    /**
     * The trained pass and the step's loss; call it with the gradient collector open.
     *
     * @param reference {@link #referencePass}'s output for the same batch (null when it is not needed)
     */
    public StepLoss loss(
            LlamaModel model,
            TokenObjective objective,
            NDArray tokens,
            NDArray lossMask,
            NDArray tokenMask,
            ReferencePass reference) {
        ForwardOutput trained = model.forward(tokens, trainingPass(model.manager()));
        NDArray task = objective.loss(trained.logits(), tokens, lossMask);
        StepPasses passes = new StepPasses(tokens, lossMask, tokenMask, trained, reference);
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray total = task;
        for (Safeguard s : safeguards) {
            Optional<NDArray> term = s.term(passes);
            if (term.isPresent()) {
                terms.put(s.name(), term.get());
                total = total.add(term.get());
            }
        }
        return new StepLoss(total, task, terms);
    }

    private int[] layers() {
        return needs.layers().stream().mapToInt(Integer::intValue).toArray();
    }
}
