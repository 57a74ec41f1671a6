package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SequencedMap;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A LoRA adapter attached to a {@link LlamaModel}: its PEFT config, its {@code A}/{@code B} matrices by PEFT name, and
 * the decoder layers with the adapted projections wrapped as {@link LoraLinear}, so that
 *
 * <pre>
 *   W' x = W x + s · B (A x),     s = α / r  (rsLoRA: α / √r),   A: [r, in],  B: [out, r]
 * </pre>
 *
 * (Hu et al. 2021, "LoRA", eq. 3; Kalajdzievski 2023 for rsLoRA's scaling, as PEFT's {@code LoraLayer}). Everything
 * about adapters that is not the forward pass lives here: PEFT's initialisation, loading and saving PEFT's files, the
 * checks that the tensors fit the model, and merging into the base weights.
 */
final class LoraAdapter {

    /** Prefix of every tensor name in a PEFT adapter of a causal LM. */
    static final String PEFT_PREFIX = "base_model.model.";

    private final LoraConfig config;
    private final SequencedMap<String, NDArray> tensors;
    private final List<DecoderLayer> layers;

    private LoraAdapter(LoraConfig config, SequencedMap<String, NDArray> tensors, List<DecoderLayer> layers) {
        this.config = config;
        this.tensors = tensors;
        this.layers = layers;
    }

    /**
     * A fresh adapter initialised as PEFT does: {@code A} Kaiming-uniform with {@code a = √5} (that is, uniform in
     * ±1/√in), {@code B} zero, so the model computes exactly the base model until trained.
     *
     * @param seed makes {@code A} reproducible
     */
    static LoraAdapter initialised(LoraConfig lora, List<DecoderLayer> baseLayers, long seed, NDManager manager) {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        int index = 0;
        for (int i = 0; i < baseLayers.size(); i++) {
            for (LoraTarget target : LoraTarget.values()) {
                if (!lora.targets().contains(target)) {
                    continue;
                }
                Shape weight =
                        baseLayers.get(i).get(target).tensors().get("weight").getShape();
                int out = Math.toIntExact(weight.get(0));
                int in = Math.toIntExact(weight.get(1));
                float bound = (float) (1 / Math.sqrt(in));
                Random random = new Random(seed ^ (0x9E3779B97F4A7C15L * ++index));
                float[] a = new float[lora.rank() * in];
                for (int j = 0; j < a.length; j++) {
                    a[j] = (random.nextFloat() * 2 - 1) * bound;
                }
                tensors.put(tensorName(i, target, "A"), manager.create(a, new Shape(lora.rank(), in)));
                tensors.put(tensorName(i, target, "B"), manager.zeros(new Shape(out, lora.rank())));
            }
        }
        return wrap(lora, tensors, baseLayers);
    }

    /** The PEFT adapter in {@code dir} ({@code adapter_config.json}, {@code adapter_model.safetensors}). */
    static LoraAdapter read(Path dir, List<DecoderLayer> baseLayers, NDManager manager) throws IOException {
        LoraConfig lora = LoraConfig.read(dir);
        Path file = dir.resolve(LoraConfig.WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + LoraConfig.WEIGHTS_FILE + " in " + dir);
        }
        SequencedMap<String, NDArray> loaded = SafeTensors.read(file, manager);
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NDArray> entry : loaded.entrySet()) {
                // PEFT saves without the adapter name; some writers keep ".default" before ".weight".
                tensors.put(entry.getKey().replace(".default.weight", ".weight"), entry.getValue());
            }
            return wrap(lora, tensors, baseLayers);
        } catch (RuntimeException e) {
            loaded.values().forEach(NDArray::close);
            throw e;
        }
    }

    /**
     * Checks that {@code tensors} are exactly the matrices {@code lora} asks for, with rank {@code r}, and wraps the
     * adapted projections of {@code baseLayers}. The matrices become trainable parameters that outlive any open
     * step scope.
     *
     * @throws IllegalArgumentException naming the first missing, unexpected or mis-shaped tensor
     */
    private static LoraAdapter wrap(
            LoraConfig lora, SequencedMap<String, NDArray> tensors, List<DecoderLayer> baseLayers) {
        Set<String> unexpected = new LinkedHashSet<>(tensors.keySet());
        List<DecoderLayer> wrapped = new ArrayList<>();
        SequencedMap<String, NDArray> ordered = new LinkedHashMap<>();
        for (int i = 0; i < baseLayers.size(); i++) {
            Map<LoraTarget, Linear> replaced = new EnumMap<>(LoraTarget.class);
            for (LoraTarget target : LoraTarget.values()) {
                if (!lora.targets().contains(target)) {
                    continue;
                }
                String aName = tensorName(i, target, "A");
                String bName = tensorName(i, target, "B");
                NDArray a = tensors.get(aName);
                NDArray b = tensors.get(bName);
                if (a == null || b == null) {
                    throw new IllegalArgumentException("adapter lacks tensor " + (a == null ? aName : bName));
                }
                DenseLinear base = (DenseLinear) baseLayers.get(i).get(target);
                if (a.getShape().get(0) != lora.rank()) {
                    throw new IllegalArgumentException(
                            "tensor " + aName + " has shape " + a.getShape() + " but r is " + lora.rank());
                }
                replaced.put(target, new LoraLinear(base, a, b, (float) lora.dropout()));
                ordered.put(aName, a);
                ordered.put(bName, b);
                unexpected.remove(aName);
                unexpected.remove(bName);
            }
            wrapped.add(baseLayers.get(i).with(replaced));
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("unexpected adapter tensor "
                    + unexpected.iterator().next() + " for target_modules " + lora.targets());
        }
        ordered.forEach((name, tensor) -> {
            NDScope.unregister(tensor);
            tensor.setName(name);
            tensor.setRequiresGradient(true);
        });
        return new LoraAdapter(lora, Collections.unmodifiableSequencedMap(ordered), List.copyOf(wrapped));
    }

    /** The PEFT name of a LoRA matrix, e.g. {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}. */
    static String tensorName(int layer, LoraTarget target, String matrix) {
        return PEFT_PREFIX + "model.layers." + layer + "." + target.modulePath() + ".lora_" + matrix + ".weight";
    }

    /** The base model directory an adapter directory names in {@code base_model_name_or_path}. */
    static Path baseModelOf(Path adapterDir) throws IOException {
        JsonNode json = LoraConfig.readJson(adapterDir);
        String base = json.path("base_model_name_or_path").asString("");
        if (base.isEmpty()) {
            throw new IllegalArgumentException(
                    adapterDir + "/" + LoraConfig.CONFIG_FILE + " has no base_model_name_or_path");
        }
        Path resolved = adapterDir.resolve(base).normalize();
        if (!Files.isRegularFile(resolved.resolve(ModelConfig.FILE_NAME))) {
            throw new IllegalArgumentException("base_model_name_or_path \"" + base + "\" of " + adapterDir
                    + " is not a model directory here (" + resolved + ")");
        }
        return resolved;
    }

    /**
     * {@code parameters} with every adapted projection's weight replaced by {@code W + s·B·A} (what PEFT's
     * {@code merge_and_unload} gives). The merged arrays belong to the caller's open {@link NDScope}.
     */
    SequencedMap<String, NDArray> mergedInto(SequencedMap<String, NDArray> parameters, NDManager manager) {
        NDArray scaling = manager.create((float) config.scaling());
        SequencedMap<String, NDArray> merged = new LinkedHashMap<>(parameters);
        for (int i = 0; i < layers.size(); i++) {
            for (LoraTarget target : config.targets()) {
                LoraLinear lora = (LoraLinear) layers.get(i).get(target);
                String name = "model.layers." + i + "." + target.modulePath() + ".weight";
                merged.put(name, lora.mergedWeight(scaling));
            }
        }
        return merged;
    }

    /**
     * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (F32, PEFT names), loadable with
     * {@code PeftModel.from_pretrained(base, dir)}.
     */
    void save(Path dir, String baseModelNameOrPath) throws IOException {
        Files.createDirectories(dir);
        config.write(dir, baseModelNameOrPath);
        SafeTensors.write(dir.resolve(LoraConfig.WEIGHTS_FILE), tensors);
    }

    LoraConfig config() {
        return config;
    }

    /** The matrices by PEFT name, in layer and target order: what training updates. */
    SequencedMap<String, NDArray> tensors() {
        return tensors;
    }

    /** The model's layers with this adapter's projections wrapped. */
    List<DecoderLayer> layers() {
        return layers;
    }
}
