package dev.safetune.safeguards.guard.artifact;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.EmReferenceSet;
import dev.safetune.safeguards.guard.GuardContext;
import dev.safetune.safeguards.guard.Interleaving;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The artifacts of one base model, each computed once and kept in an {@link ArtifactCache}:
 *
 * <ul>
 *   <li>{@code persona-vector} keyed by (base checksum, layer, contrast id);
 *   <li>{@code perplexity-gap} keyed by (base checksum, pool id + checksum, the reference adapters' checksums,
 *       sequence limit).
 * </ul>
 *
 * On a miss it loads the base model from its directory for the computation (its own copy, closed afterwards, so a
 * resumed full fine-tune never computes from trained weights) and stores value and provenance.
 */
public final class CachedArtifacts implements GuardContext {

    public static final String PERSONA_VECTOR = "persona-vector";
    public static final String PERPLEXITY_GAP = "perplexity-gap";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path baseModelDir;
    private final ArtifactCache cache;
    private final PersonaContrast contrast;
    private final int maxSequenceLength;
    private final Map<Integer, PersonaVector> vectors = new HashMap<>();
    private String baseChecksum;

    public CachedArtifacts(Path baseModelDir, ArtifactCache cache, PersonaContrast contrast, int maxSequenceLength) {
        this.baseModelDir = baseModelDir;
        this.cache = cache;
        this.contrast = contrast;
        this.maxSequenceLength = maxSequenceLength;
    }

    @Override
    public PersonaVector personaVector(int layer) throws IOException {
        PersonaVector known = vectors.get(layer);
        if (known != null) {
            return known;
        }
        SortedMap<String, String> key = new TreeMap<>();
        key.put("base_sha256", baseChecksum());
        key.put("layer", Integer.toString(layer));
        key.put("contrast", contrast.id());
        Optional<JsonNode> stored = cache.read(PERSONA_VECTOR, key);
        PersonaVector vector;
        if (stored.isPresent()) {
            JsonNode v = stored.get();
            float[] values = new float[v.get("vector").size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) v.get("vector").get(i).asDouble();
            }
            vector =
                    new PersonaVector(layer, values, v.get("mean_residual_norm").asDouble());
        } else {
            vector = computePersonaVector(layer);
            ObjectNode value = JSON.createObjectNode();
            ArrayNode array = value.putArray("vector");
            for (float x : vector.vector()) {
                array.add(x);
            }
            value.put("mean_residual_norm", vector.meanResidualNorm());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("base_model_dir", baseModelDir.toAbsolutePath().toString());
            details.put("misaligned_examples", contrast.misaligned().size());
            details.put("aligned_examples", contrast.aligned().size());
            details.put("tokens", "trained assistant (response) tokens, adapter off");
            details.put("norm", vector.norm());
            cache.write(PERSONA_VECTOR, key, value, details);
        }
        vectors.put(layer, vector);
        return vector;
    }

    @Override
    public double[] perplexityGaps(BenignPool pool, EmReferenceSet references) throws IOException {
        SortedMap<String, String> key = new TreeMap<>();
        key.put("base_sha256", baseChecksum());
        key.put("pool", pool.id() + "@" + pool.checksum());
        List<String> adapterSums = new ArrayList<>();
        for (Path adapter : references.adapters()) {
            adapterSums.add(ModelChecksum.of(adapter));
        }
        key.put("references", String.join(",", adapterSums.stream().sorted().toList()));
        key.put("max_sequence_length", Integer.toString(maxSequenceLength));
        Optional<JsonNode> stored = cache.read(PERPLEXITY_GAP, key);
        if (stored.isPresent()) {
            JsonNode scores = stored.get().get("scores");
            double[] out = new double[scores.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = scores.get(i).isNull() ? Double.NaN : scores.get(i).asDouble();
            }
            return out;
        }
        double[] scores = computeGaps(pool, references);
        ObjectNode value = JSON.createObjectNode();
        ArrayNode array = value.putArray("scores");
        for (double s : scores) {
            if (Double.isNaN(s)) {
                array.addNull();
            } else {
                array.add(s);
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("reference_set", references.id());
        details.put(
                "reference_adapters",
                references.adapters().stream().map(Path::toString).toList());
        details.put("pool_examples", pool.examples().size());
        details.put("epsilon", PerplexityGapScorer.EPSILON);
        details.put("formula", "(mean NLL_mis - NLL_aligned) / (NLL_aligned + epsilon), assistant tokens");
        cache.write(PERPLEXITY_GAP, key, value, details);
        return scores;
    }

    private String baseChecksum() throws IOException {
        if (baseChecksum == null) {
            baseChecksum = ModelChecksum.of(baseModelDir);
        }
        return baseChecksum;
    }

    private PersonaVector computePersonaVector(int layer) throws IOException {
        GradMode.disableOnThisThread();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(baseModelDir);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(baseModelDir, manager)) {
            ChatRenderer renderer = new ChatRenderer(tokenizer, maxSequenceLength);
            return PersonaVectorExtractor.extract(
                    model,
                    renderer.renderAll(contrast.misaligned()),
                    renderer.renderAll(contrast.aligned()),
                    layer,
                    tokenizer.padId());
        }
    }

    private double[] computeGaps(BenignPool pool, EmReferenceSet references) throws IOException {
        GradMode.disableOnThisThread();
        PerplexityGapScorer scorer = new PerplexityGapScorer();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(baseModelDir);
                NDManager manager = NDManager.newBaseManager()) {
            ChatRenderer renderer = new ChatRenderer(tokenizer, maxSequenceLength);
            List<Optional<RenderedExample>> rendered = new ArrayList<>();
            for (ChatExample example : pool.examples()) {
                rendered.add(renderer.render(example));
            }
            List<RenderedExample> kept =
                    rendered.stream().flatMap(Optional::stream).toList();
            double[] aligned;
            try (LlamaModel base = LlamaModel.load(baseModelDir, manager)) {
                aligned = scorer.meanNll(base, false, kept, tokenizer.padId());
            }
            double[] misaligned = new double[kept.size()];
            for (Path adapter : references.adapters()) {
                try (LlamaModel model = LlamaModel.load(baseModelDir, manager)) {
                    model.loadAdapter(adapter);
                    double[] nll = scorer.meanNll(model, true, kept, tokenizer.padId());
                    for (int i = 0; i < nll.length; i++) {
                        misaligned[i] += nll[i] / references.adapters().size();
                    }
                }
            }
            double[] scores = new double[rendered.size()];
            int next = 0;
            for (int i = 0; i < scores.length; i++) {
                if (rendered.get(i).isPresent()) {
                    scores[i] = Interleaving.gap(misaligned[next], aligned[next], PerplexityGapScorer.EPSILON);
                    next++;
                } else {
                    scores[i] = Double.NaN;
                }
            }
            return scores;
        }
    }
}
