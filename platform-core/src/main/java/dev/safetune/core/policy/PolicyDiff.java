package dev.safetune.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * A field-level diff of two policy documents, computed on their canonical forms: every leaf (a number, string,
 * boolean or array, e.g. a layer set) whose value differs, by its dotted path. A field only one side has shows null on
 * the other, so switching a safeguard on lists each of its fields.
 */
public final class PolicyDiff {
    private PolicyDiff() {}

    /**
     * One changed field.
     *
     * @param before its value in the first document, null when absent there
     * @param after its value in the second document, null when absent there
     */
    public record Change(String field, JsonNode before, JsonNode after) {}

    /** The changes from {@code from} to {@code to}, sorted by field. */
    public static List<Change> between(SafetyPolicy from, SafetyPolicy to) {
        Map<String, JsonNode> before = leaves(SafetyPolicyJson.tree(from));
        Map<String, JsonNode> after = leaves(SafetyPolicyJson.tree(to));
        TreeSet<String> fields = new TreeSet<>(before.keySet());
        fields.addAll(after.keySet());
        List<Change> changes = new ArrayList<>();
        for (String field : fields) {
            JsonNode a = before.get(field);
            JsonNode b = after.get(field);
            if (a == null || !a.equals(b)) {
                changes.add(new Change(field, a, b));
            }
        }
        return changes;
    }

    private static Map<String, JsonNode> leaves(JsonNode root) {
        Map<String, JsonNode> out = new TreeMap<>();
        collect("", root, out);
        return out;
    }

    private static void collect(String path, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject() && !node.isEmpty()) {
            node.properties()
                    .forEach(e -> collect(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out));
        } else {
            out.put(path, node);
        }
    }
}
