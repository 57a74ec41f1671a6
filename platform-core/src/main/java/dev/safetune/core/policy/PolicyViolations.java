package dev.safetune.core.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects violations while a document is validated, each under the dotted path of the object being checked, so a
 * record checks its own fields by their JSON names and the path above it is added here.
 */
public final class PolicyViolations {
    private final String path;
    private final List<PolicyViolation> sink;

    private PolicyViolations(String path, List<PolicyViolation> sink) {
        this.path = path;
        this.sink = sink;
    }

    /** A collector at the document's root. */
    public static PolicyViolations root() {
        return new PolicyViolations("", new ArrayList<>());
    }

    /** The collector for the object at {@code name} below this one. */
    public PolicyViolations at(String name) {
        return new PolicyViolations(field(name), sink);
    }

    /** The dotted path of {@code name} below this object. */
    public String field(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    public void add(String name, String message) {
        sink.add(new PolicyViolation(field(name), message));
    }

    public List<PolicyViolation> all() {
        return List.copyOf(sink);
    }

    /** A required value: adds "is required" when absent. */
    public boolean present(String name, Object value) {
        if (value == null) {
            add(name, "is required");
            return false;
        }
        return true;
    }

    /** {@code min <= value <= max}, finite; a null value is not checked (see {@link #present}). */
    public void between(String name, Double value, double min, double max) {
        if (value != null && !(Double.isFinite(value) && value >= min && value <= max)) {
            add(name, "must be between " + plain(min) + " and " + plain(max) + ", got " + value);
        }
    }

    /** {@code min <= value <= max}; a null value is not checked. */
    public void between(String name, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            add(name, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** A non-blank string of at most {@code maxLength} characters; a null value is not checked. */
    public void text(String name, String value, int maxLength) {
        if (value == null) {
            return;
        }
        if (value.isBlank()) {
            add(name, "must not be blank");
        } else if (value.length() > maxLength) {
            add(name, "must be at most " + maxLength + " characters, got " + value.length());
        }
    }

    /** Layer indices: each present, within {@code 0..max}, no repeats. A null list is not checked. */
    public void layers(String name, List<Integer> layers, int max) {
        if (layers == null) {
            return;
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            Integer layer = layers.get(i);
            String element = name + "[" + i + "]";
            if (layer == null) {
                add(element, "must be a layer index, got null");
            } else if (layer < 0 || layer > max) {
                add(element, "must be between 0 and " + max + ", got " + layer);
            } else if (!seen.add(layer)) {
                add(element, "repeats layer " + layer);
            }
        }
    }

    /** Identifiers (model ids, pool ids): each non-blank, no repeats. A null list is not checked. */
    public void ids(String name, List<String> ids, int maxLength) {
        if (ids == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String element = name + "[" + i + "]";
            String id = ids.get(i);
            if (id == null) {
                add(element, "must be an id, got null");
            } else if (!seen.add(id)) {
                add(element, "repeats " + id);
            } else {
                text(element, id, maxLength);
            }
        }
    }

    private static String plain(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
