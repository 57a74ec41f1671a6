package dev.safetune.core.policy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-training safeguards of a policy; each field is one safeguard's settings, null when it is off. Every
 * safeguard composes with every other (issue 23). Adding one is a {@link Safeguard} record plus a field here:
 * validation, the codec and the diff walk the fields through {@link #enabled()}.
 *
 * @param kl KL to the reference model
 * @param ldifs feature-space L2 to the reference model
 * @param steering preventive persona steering
 * @param interleave benign-data interleaving
 * @param inoculation inoculation prompting
 * @param caft concept-ablation fine-tuning
 */
public record Safeguards(
        KlToReference kl,
        FeatureSpaceL2 ldifs,
        PersonaSteering steering,
        BenignInterleaving interleave,
        InoculationPrompt inoculation,
        ConceptAblation caft) {

    /** Every safeguard off. */
    public static final Safeguards NONE = new Safeguards(null, null, null, null, null, null);

    /**
     * The safeguards that are on, by their field name in the document, in declaration order. Reads the record's
     * components so that a new field is seen without another list to keep in step.
     */
    public Map<String, Safeguard> enabled() {
        Map<String, Safeguard> on = new LinkedHashMap<>();
        for (RecordComponent component : Safeguards.class.getRecordComponents()) {
            try {
                Object value = component.getAccessor().invoke(this);
                if (value != null) {
                    on.put(SafetyPolicyJson.fieldName(component.getName()), (Safeguard) value);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read safeguard " + component.getName(), e);
            }
        }
        return Collections.unmodifiableMap(on);
    }

    /** Whether every safeguard is off (not {@code isEmpty}: that name would be read as a document field). */
    public boolean noneOn() {
        return enabled().isEmpty();
    }

    void validate(PolicyViolations at) {
        enabled().forEach((name, safeguard) -> safeguard.validate(at.at(name)));
    }
}
