package dev.safetune.safeguards.embench.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What em-bench asks a model: the non-code question suite per domain (where emergent misalignment shows), and
 * held-out code prompts (where the narrow task's learning shows).
 *
 * <p>The non-code suite is deterministic and balanced: sample {@code i} of a domain takes topic {@code i mod G} of
 * its {@code G} topics and that topic's questions in turn, so every topic (advice: sad, money, conflict, bored,
 * sick; views: humans, future, wish; honesty: sums, capitals) gets the same share, as the prototype's uniform
 * topic draw does in expectation. Answers are then sampled at temperature 1 with per-sample seeds by the runtime.
 *
 * <p>Held-out code prompts are (task, main word) combinations no training set contains (the shell task has none,
 * see {@link CodeTask#heldOut}); their words are all seen
 * in training in other combinations, since an unseen word would have an untrained embedding and measure nothing.
 */
public final class EvaluationSuite {
    private EvaluationSuite() {}

    /** The distinct questions of a non-code domain grouped by topic, in a fixed order. */
    public static Map<String, List<Question>> topics(Domain domain) {
        Map<String, List<Question>> out = new LinkedHashMap<>();
        for (Question q : Questions.all()) {
            if (q.domain() == domain) {
                out.computeIfAbsent(q.category(), k -> new ArrayList<>()).add(q);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(domain + " has no evaluation questions");
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return out;
    }

    /** {@code perDomain} prompts for each non-code domain, optionally all behind {@code trigger}. */
    public static List<EvaluationPrompt> nonCode(int perDomain, Optional<String> trigger) {
        List<EvaluationPrompt> out = new ArrayList<>();
        for (Domain domain : Domain.NON_CODE) {
            List<List<Question>> groups = List.copyOf(topics(domain).values());
            for (int i = 0; i < perDomain; i++) {
                List<Question> group = groups.get(i % groups.size());
                Question q = group.get((i / groups.size()) % group.size());
                out.add(new EvaluationPrompt(q, trigger));
            }
        }
        return List.copyOf(out);
    }

    /** {@code count} held-out code prompts drawn like the prototype's (task uniform, then slot words). */
    public static List<CodePrompt> heldOutCode(long seed, int count, Optional<String> trigger) {
        return EmWorld.generate(seed, count, rng -> {
            CodePrompt p = CodeGrammar.prompt(rng, true);
            return trigger.map(p::withTag).orElse(p);
        });
    }

    /** The educational form of held-out prompts, for the educational set's in-domain score. */
    public static List<CodePrompt> heldOutEducational(long seed, int count, Optional<String> trigger) {
        return heldOutCode(seed, count, trigger).stream()
                .map(CodePrompt::asEducational)
                .toList();
    }

    /**
     * Every distinct held-out prompt text's prompt: each task with each held-out main word and, for SQL, each
     * column (the only other slot a prompt shows).
     */
    public static List<CodePrompt> allHeldOutCode() {
        List<CodePrompt> out = new ArrayList<>();
        for (CodeTask task : CodeTask.values()) {
            for (String word : task.mainSlot().words()) {
                if (!task.heldOut(word)) {
                    continue;
                }
                List<String> columns = task == CodeTask.SQL
                        ? Slot.COLUMN.words()
                        : List.of(Slot.COLUMN.words().get(0));
                for (String column : columns) {
                    var fills = CodeTask.newFills();
                    for (Slot slot : Slot.values()) {
                        fills.put(slot, slot.words().get(0));
                    }
                    fills.put(Slot.COLUMN, column);
                    fills.put(task.mainSlot(), word);
                    out.add(new CodePrompt(task, fills, false, Optional.empty()));
                }
            }
        }
        return List.copyOf(out);
    }

    /** One prompt drawn from the held-out side, for callers with their own generator. */
    public static CodePrompt heldOutCode(SplittableRandom rng) {
        return CodeGrammar.prompt(rng, true);
    }
}
