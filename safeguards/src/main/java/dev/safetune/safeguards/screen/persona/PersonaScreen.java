package dev.safetune.safeguards.screen.persona;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.CachedArtifacts;
import dev.safetune.safeguards.guard.artifact.ModelChecksum;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The persona part of the screen for a whole file, computed once per (file content, base model, persona vector,
 * settings) and kept in the {@link ArtifactCache} as {@value #KIND}: the per-example projection differences with
 * their lines, and provenance. The persona vector is the one steering and CAFT use
 * ({@link CachedArtifacts#personaVector}, cached per base and layer), so the screen measures the same direction the
 * safeguards act on.
 */
public final class PersonaScreen {

    public static final String KIND = "persona-screen";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path baseModelDir;
    private final String baseModelId;
    private final ArtifactCache cache;
    private final PersonaContrast contrast;
    private final ProjectionSettings settings;
    private String baseChecksum;

    public PersonaScreen(
            Path baseModelDir,
            String baseModelId,
            ArtifactCache cache,
            PersonaContrast contrast,
            ProjectionSettings settings) {
        this.baseModelDir = baseModelDir;
        this.baseModelId = baseModelId;
        this.cache = cache;
        this.contrast = contrast;
        this.settings = settings;
    }

    /** The persona vector's id: its contrast material, residual index and base weights. */
    public String vectorId() throws IOException {
        return contrast.id() + "@L" + settings.layer() + "/" + baseChecksum().substring(0, 12);
    }

    /** The cached scores of the file with content checksum {@code fileSha256}, if computed. */
    public Optional<PersonaScores> cached(String fileSha256) throws IOException {
        return cache.read(KIND, key(fileSha256)).map(this::fromJson);
    }

    /**
     * The file's scores: from the cache, or computed (loading the base model for the purpose, its own copy, closed
     * afterwards) and stored.
     */
    public PersonaScores scores(String fileSha256, List<ChatExample> examples, PersonaProjector.Progress progress)
            throws IOException {
        SortedMap<String, String> key = key(fileSha256);
        Optional<JsonNode> stored = cache.read(KIND, key);
        if (stored.isPresent()) {
            progress.scored(examples.size(), examples.size());
            return fromJson(stored.get());
        }
        PersonaVector vector = new CachedArtifacts(baseModelDir, cache, contrast, settings.maxSequenceLength())
                .personaVector(settings.layer());
        PersonaScores scores;
        try (ChatTokenizer tokenizer = ChatTokenizer.load(baseModelDir);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(baseModelDir, manager)) {
            scores = new PersonaProjector(model, tokenizer, vector, vectorId(), baseModelId, settings)
                    .score(examples, progress);
        }
        ObjectNode value = JSON.createObjectNode();
        value.put("vector", scores.vector());
        value.put("base_model", scores.baseModel());
        ArrayNode lines = value.putArray("lines");
        ArrayNode differences = value.putArray("differences");
        for (int i = 0; i < scores.lines().length; i++) {
            lines.add(scores.lines()[i]);
            if (Double.isFinite(scores.differences()[i])) {
                differences.add(scores.differences()[i]);
            } else {
                differences.addNull();
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("base_model_dir", baseModelDir.toAbsolutePath().toString());
        details.put("examples", examples.size());
        details.put("scored", scores.scored());
        details.put(
                "formula",
                "mean_t h_l[t].v/|v| over the data's last assistant turn minus the same over the base's own sampled"
                        + " response to the prompt (Chen et al. 2025)");
        cache.write(KIND, key, value, details);
        return scores;
    }

    private SortedMap<String, String> key(String fileSha256) throws IOException {
        SortedMap<String, String> key = new TreeMap<>();
        key.put("file_sha256", fileSha256);
        key.put("base_sha256", baseChecksum());
        key.put("vector", vectorId());
        key.put(
                "settings",
                settings.layer() + "/" + settings.maxSequenceLength() + "/" + settings.maxNewTokens() + "/"
                        + settings.seed() + "/" + settings.batchSize());
        return key;
    }

    private String baseChecksum() throws IOException {
        if (baseChecksum == null) {
            baseChecksum = ModelChecksum.of(baseModelDir);
        }
        return baseChecksum;
    }

    private PersonaScores fromJson(JsonNode value) {
        JsonNode lines = value.get("lines");
        JsonNode differences = value.get("differences");
        int[] l = new int[lines.size()];
        double[] d = new double[differences.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = lines.get(i).asInt();
            d[i] = differences.get(i).isNull() ? Double.NaN : differences.get(i).asDouble();
        }
        return new PersonaScores(
                value.get("vector").asString(), value.get("base_model").asString(), l, d);
    }
}
