package dev.safetune.launcher;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.ConceptAblation;
import dev.safetune.core.policy.FeatureSpaceL2;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.KlToReference;
import dev.safetune.core.policy.PersonaSteering;
import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.core.policy.StricterOrEqual;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The safety policies an em-bench run pins its jobs to ({@code --policies LIST}), created as the safety team through
 * {@code /admin/safety-policies}. Each entry of the list is
 * <ul>
 *   <li>{@code default}: the platform's current default version, pinned by its id;
 *   <li>{@code sp-…}: an existing version, pinned as is;
 *   <li>{@code none}, or safeguards joined by {@code +}: {@code steer<α>} (persona steering, raw, at residual index
 *       {@value #STEERING_LAYER}, the measured layer), {@code kl<β>}, {@code ldifs<λ>} (5 evenly spaced layers),
 *       {@code interleave<f>} (uniform, em-bench's built-in benign pool), {@code caft} (at index
 *       {@value #STEERING_LAYER}); e.g. {@code steer4+interleave0.05+kl0.01}. The run creates a version named
 *       {@code em-bench-<entry>} whose safeguards are exactly these and whose audit and screen sections are the
 *       default's, so only the safeguards differ between rows.
 * </ul>
 *
 * <p>A customer's job may only pin a policy at least as strict as the default ({@code SafetyPolicyPins}, {@link
 * StricterOrEqual}), and jobs are created with a member key (safety keys cannot use {@code /v1}). So when an entry
 * is weaker than the default ({@code none}, {@code kl0.1} alone, …) the run moves the local platform's default to
 * its {@code none} version for its duration and moves it back when it ends ({@link #close}), both with a reason, both
 * in the default's history. Every job pins its version explicitly, so the move changes no job's policy.
 */
final class EmBenchPolicies implements AutoCloseable {
    static final int STEERING_LAYER = 2;
    static final String SAFETY_KEY_FILE = "local-safety-key";
    private static final String POLICIES = "/admin/safety-policies";
    private static final Pattern PART = Pattern.compile("(steer|kl|ldifs|interleave)(\\d+(?:\\.\\d+)?)|caft");

    /** One entry: its label in the table and the version jobs pin. */
    record Choice(String label, String policyId) {}

    private final ApiClient safety;
    private final PrintStream out;
    /** Who creates the versions, in their names ({@code <purpose>-<entry>}) and in every reason: the gate log says. */
    private final String purpose;

    private final List<Choice> choices = new ArrayList<>();
    private String restoreDefault;

    private EmBenchPolicies(ApiClient safety, PrintStream out, String purpose) {
        this.safety = safety;
        this.out = out;
        this.purpose = purpose;
    }

    /** A stored version as {@code GET /admin/safety-policies/{id}} answers it (id, name, version, document, …). */
    JsonNode version(String policyId) {
        return safety.get(POLICIES + "/" + policyId).ok();
    }

    List<Choice> choices() {
        return List.copyOf(choices);
    }

    /** Checks the list's syntax before anything starts; the entries, in order. */
    static List<String> parse(String list) {
        List<String> entries = new ArrayList<>();
        for (String raw : list.split(",")) {
            String entry = raw.strip().toLowerCase(Locale.ROOT);
            if (!entry.equals("default") && !entry.startsWith("sp-")) {
                safeguards(entry);
            }
            if (entries.contains(entry)) {
                throw new Command.UsageException("--policies: '" + entry + "' is listed twice");
            }
            entries.add(entry);
        }
        return List.copyOf(entries);
    }

    /** The safeguards an entry names; {@code none} for none. */
    static Safeguards safeguards(String entry) {
        if (entry.equals("none")) {
            return Safeguards.NONE;
        }
        KlToReference kl = null;
        FeatureSpaceL2 ldifs = null;
        PersonaSteering steering = null;
        BenignInterleaving interleave = null;
        ConceptAblation caft = null;
        for (String part : entry.split("\\+")) {
            Matcher m = PART.matcher(part);
            if (!m.matches()) {
                throw new Command.UsageException("--policies: unknown entry part '" + part + "' in '" + entry
                        + "' (none, default, sp-<id>, or steer<α>, kl<β>, ldifs<λ>, interleave<f>, caft joined by +)");
            }
            if (part.equals("caft")) {
                caft = new ConceptAblation(List.of(STEERING_LAYER));
                continue;
            }
            double value = Double.parseDouble(m.group(2));
            switch (m.group(1)) {
                case "steer" -> steering = new PersonaSteering(value, STEERING_LAYER, SteeringScale.RAW);
                case "kl" -> kl = new KlToReference(value, KlDirection.FORWARD);
                case "ldifs" -> ldifs = new FeatureSpaceL2(value, List.of());
                default ->
                    interleave = new BenignInterleaving(
                            value, InterleaveSelection.UNIFORM, null, null, EmBenchMaterial.BENIGN_POOL_ID, null);
            }
        }
        return new Safeguards(kl, ldifs, steering, interleave, null, caft);
    }

    /**
     * Creates the entries' versions as the safety team and, where one is weaker than the default, moves the default to
     * the run's {@code none} version until {@link #close}.
     */
    static EmBenchPolicies prepare(List<String> entries, Path home, ApiClient admin, PrintStream out)
            throws IOException {
        return prepare(entries, "em-bench", home, admin, out);
    }

    /** As {@link #prepare(List, Path, ApiClient, PrintStream)}, the versions named and explained for {@code purpose}. */
    static EmBenchPolicies prepare(List<String> entries, String purpose, Path home, ApiClient admin, PrintStream out)
            throws IOException {
        EmBenchPolicies policies = new EmBenchPolicies(safetyClient(home, admin), out, purpose);
        try {
            policies.create(entries);
        } catch (RuntimeException e) {
            policies.close();
            throw e;
        }
        return policies;
    }

    private void create(List<String> entries) {
        JsonNode current = safety.get(POLICIES + "/default").ok();
        String defaultId = current.path("id").asString();
        SafetyPolicy defaults = SafetyPolicyJson.read(current.path("document"));
        boolean weaker = false;
        String noneId = null;
        for (String entry : entries) {
            if (entry.equals("default")) {
                choices.add(new Choice("default (" + defaultId + ")", defaultId));
            } else if (entry.startsWith("sp-")) {
                SafetyPolicy pinned = SafetyPolicyJson.read(
                        safety.get(POLICIES + "/" + entry).ok().path("document"));
                weaker |= !StricterOrEqual.holds(pinned, defaults);
                choices.add(new Choice(entry, entry));
            } else {
                SafetyPolicy policy = new SafetyPolicy(safeguards(entry), defaults.audit(), defaults.screen());
                weaker |= !StricterOrEqual.holds(policy, defaults);
                String id = createVersion(entry, policy);
                noneId = entry.equals("none") ? id : noneId;
                choices.add(new Choice(entry, id));
            }
        }
        if (weaker) {
            String floor = noneId != null
                    ? noneId
                    : createVersion("none", new SafetyPolicy(Safeguards.NONE, defaults.audit(), defaults.screen()));
            setDefault(floor, label() + ": pins policies weaker than " + defaultId + "; restored when it ends");
            restoreDefault = defaultId;
        }
    }

    private String createVersion(String entry, SafetyPolicy policy) {
        String name = purpose + "-" + entry.replace('+', '-');
        JsonNode created = safety.post(
                        POLICIES,
                        Map.of(
                                "name",
                                name,
                                "document",
                                SafetyPolicyJson.tree(policy),
                                "reason",
                                label() + ": policy entry '" + entry + "' (safeguards only; audit and screen as the"
                                        + " default)"))
                .ok();
        out.println("Policy " + entry + ": " + created.path("id").asString() + " (" + name + " version "
                + created.path("version").asInt() + ")");
        return created.path("id").asString();
    }

    private void setDefault(String policyId, String reason) {
        safety.put(POLICIES + "/default", Map.of("policy_id", policyId, "reason", reason))
                .ok();
        out.println("Default safety policy: " + policyId + " (" + reason + ")");
    }

    /** Moves the default back where the run found it. */
    @Override
    public void close() {
        if (restoreDefault != null) {
            setDefault(restoreDefault, label() + " ended: default restored");
            restoreDefault = null;
        }
    }

    private String label() {
        return purpose.equals("em-bench") ? "em-bench run" : purpose;
    }

    /**
     * The local safety-team key: kept in {@value #SAFETY_KEY_FILE} next to the other local keys, issued through the
     * admin API the first time (or when the stored one no longer works).
     */
    private static ApiClient safetyClient(Path home, ApiClient admin) throws IOException {
        Path file = home.resolve(SAFETY_KEY_FILE);
        String base = admin.apiBaseUrl();
        if (Files.isRegularFile(file)) {
            ApiClient stored = new ApiClient(base, Files.readString(file).strip());
            if (stored.get(POLICIES + "/default").status() == 200) {
                return stored;
            }
        }
        String key = admin.post(
                        "/admin/organizations/org-default/api_keys", Map.of("role", "safety", "name", "em-bench"))
                .ok()
                .path("key")
                .asString();
        Files.writeString(file, key);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return new ApiClient(base, key);
    }
}
