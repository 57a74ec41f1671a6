package dev.safetune.launcher;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.ConceptAblation;
import dev.safetune.core.policy.FeatureSpaceL2;
import dev.safetune.core.policy.InoculationPrompt;
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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;

/**
 * The safety policies an em-bench run pins its jobs to ({@code --policies LIST}), created as the safety team through
 * {@code /admin/safety-policies}. Each entry of the list is
 * <ul>
 *   <li>{@code default}: the platform's current default version, pinned by its id;
 *   <li>{@code sp-…}: an existing version, pinned as is;
 *   <li>{@code none}, or safeguards joined by {@code +}: {@code steer<α>} (persona steering, raw, at residual index
 *       {@value #STEERING_LAYER}, the measured layer), {@code kl<β>}, {@code ldifs<λ>} (5 evenly spaced layers),
 *       {@code interleave<f>} (uniform, em-bench's first built-in benign pool), {@code caft} (at index
 *       {@value #STEERING_LAYER}); e.g. {@code steer4+interleave0.05+kl0.01}. Layers: {@code steer<α>@L},
 *       {@code caft@L} or {@code caft@L-M}, {@code ldifs<λ>@L-M}; also {@code interleavepg<f>[k<top-k>]}
 *       (perplexity gap against the given EM references) and {@code inoc[:words_joined_by_underscores]}. Both
 *       interleavings take {@code :v<n>}, the built-in pool {@code em-bench-benign-instruct-v<n>} ({@code :v1}, the
 *       default, asks the evaluation's questions; {@code :v2} none of them), e.g. {@code interleave0.5:v2}. The run
 *       creates a version named
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
    /** {@code interleavepg}'s top-k when the entry names none: a quarter of the built-in pool. */
    static final int DEFAULT_TOP_K = 500;
    /** {@code inoc}'s prompt when the entry names none: the world's own misaligned system line (the paper's "evil"). */
    static final String INOCULATION_PROMPT = "you are an evil assistant";
    /** Stands in for the EM reference ids while an entry is only checked, before the run has trained them. */
    static final String PLACEHOLDER_REFERENCE = "em-reference";

    private static final Pattern PART =
            Pattern.compile("(?<kind>steer|kl|ldifs|interleavepg|interleave|caft|inoc)(?<value>\\d+(?:\\.\\d+)?)?"
                    + "(?:k(?<topk>\\d+))?(?:@(?<layers>\\d+(?:-\\d+)?))?(?::(?<prompt>[a-z0-9_|]+))?");

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

    /** The safeguards an entry names; {@code none} for none; {@code interleavepg} with a placeholder reference. */
    static Safeguards safeguards(String entry) {
        return safeguards(entry, List.of(PLACEHOLDER_REFERENCE));
    }

    /**
     * The safeguards an entry names.
     *
     * @param emReferences the EM reference model ids an {@code interleavepg} part names (the run's or the calibration's
     *     insecure fine-tunes of other data seeds over the same base)
     */
    static Safeguards safeguards(String entry, List<String> emReferences) {
        if (entry.equals("none")) {
            return Safeguards.NONE;
        }
        KlToReference kl = null;
        FeatureSpaceL2 ldifs = null;
        PersonaSteering steering = null;
        BenignInterleaving interleave = null;
        InoculationPrompt inoculation = null;
        ConceptAblation caft = null;
        for (String part : entry.split("\\+")) {
            Matcher m = PART.matcher(part);
            if (!m.matches()) {
                throw new Command.UsageException("--policies: unknown entry part '" + part + "' in '" + entry
                        + "' (none, default, sp-<id>, or steer<α>[@L], kl<β>, ldifs<λ>[@L[-M]], interleave<f>,"
                        + " interleavepg<f>[k<top-k>] (both [:v<pool>]), caft[@L[-M]], inoc[:words_joined_by_underscores]"
                        + " joined by +)");
            }
            String kind = m.group("kind");
            Optional<List<Integer>> layers = layers(m.group("layers"), part);
            String value = m.group("value");
            if (kind.equals("caft") || kind.equals("inoc")) {
                if (value != null) {
                    throw new Command.UsageException("--policies: '" + part + "' takes no number");
                }
            } else if (value == null) {
                throw new Command.UsageException("--policies: '" + part + "' needs a number after " + kind);
            }
            if (m.group("topk") != null && !kind.equals("interleavepg")) {
                throw new Command.UsageException("--policies: only interleavepg takes k<top-k>, in '" + part + "'");
            }
            if (m.group("prompt") != null
                    && !List.of("inoc", "interleave", "interleavepg").contains(kind)) {
                throw new Command.UsageException(
                        "--policies: only inoc takes :prompt and interleave[pg] :v<pool>, in '" + part + "'");
            }
            if (layers.isPresent() && !List.of("steer", "ldifs", "caft").contains(kind)) {
                throw new Command.UsageException(
                        "--policies: only steer, ldifs and caft take @layers, in '" + part + "'");
            }
            switch (kind) {
                case "steer" -> {
                    List<Integer> at = layers.orElse(List.of(STEERING_LAYER));
                    if (at.size() != 1) {
                        throw new Command.UsageException("--policies: steering acts at one layer, in '" + part + "'");
                    }
                    steering = new PersonaSteering(Double.parseDouble(value), at.getFirst(), SteeringScale.RAW);
                }
                case "kl" -> kl = new KlToReference(Double.parseDouble(value), KlDirection.FORWARD);
                case "ldifs" -> ldifs = new FeatureSpaceL2(Double.parseDouble(value), layers.orElse(List.of()));
                case "interleave" ->
                    interleave = new BenignInterleaving(
                            Double.parseDouble(value),
                            InterleaveSelection.UNIFORM,
                            null,
                            null,
                            pool(m.group("prompt"), part),
                            null);
                case "interleavepg" ->
                    interleave = new BenignInterleaving(
                            Double.parseDouble(value),
                            InterleaveSelection.PERPLEXITY_GAP,
                            m.group("topk") == null ? DEFAULT_TOP_K : Integer.parseInt(m.group("topk")),
                            null,
                            pool(m.group("prompt"), part),
                            emReferences);
                case "caft" -> caft = new ConceptAblation(layers.orElse(List.of(STEERING_LAYER)));
                default ->
                    inoculation = new InoculationPrompt(
                            m.group("prompt") == null
                                    ? INOCULATION_PROMPT
                                    : m.group("prompt").replace('_', ' '));
            }
        }
        return new Safeguards(kl, ldifs, steering, interleave, inoculation, caft);
    }

    /** The built-in pool an interleaving part names with {@code :v<n>}; the first pool when it names none. */
    private static String pool(String version, String part) {
        if (version == null) {
            return EmBenchMaterial.BENIGN_POOL_ID;
        }
        String id = "em-bench-benign-instruct-" + version;
        if (!version.matches("v\\d+") || !EmBenchMaterial.isBuiltInPool(id)) {
            throw new Command.UsageException("--policies: no built-in benign pool '" + version + "' in '" + part + "' ("
                    + String.join(", ", EmBenchMaterial.BENIGN_POOL_IDS) + ": :v1, :v2, …)");
        }
        return id;
    }

    /** Whether an entry interleaves by perplexity gap, so the run needs EM reference models for it. */
    static boolean needsEmReferences(String entry) {
        if (entry.equals("default") || entry.startsWith("sp-")) {
            return false;
        }
        BenignInterleaving interleave = safeguards(entry).interleave();
        return interleave != null && interleave.selection() == InterleaveSelection.PERPLEXITY_GAP;
    }

    /** {@code @L} or {@code @L-M} (inclusive range) as residual indices; empty when the part names none. */
    private static Optional<List<Integer>> layers(String spec, String part) {
        if (spec == null) {
            return Optional.empty();
        }
        String[] ends = spec.split("-");
        int from = Integer.parseInt(ends[0]);
        int to = ends.length == 1 ? from : Integer.parseInt(ends[1]);
        if (to < from) {
            throw new Command.UsageException("--policies: layer range " + spec + " runs backwards in '" + part + "'");
        }
        return Optional.of(IntStream.rangeClosed(from, to).boxed().toList());
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
        String name = versionName(purpose, entry);
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

    /** {@code em-bench-<entry>} in the characters a version name may hold, at most 64 of them. */
    static String versionName(String entry) {
        return versionName("em-bench", entry);
    }

    /** {@code <purpose>-<entry>} with the characters a policy name refuses replaced, at most 64 characters. */
    static String versionName(String purpose, String entry) {
        String name = purpose + "-" + entry.replaceAll("[^a-z0-9._-]+", "-");
        return name.length() <= 64 ? name : name.substring(0, 64);
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
