package dev.safetune.worker.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Supplier;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", 2019), with
 * global gradient-norm clipping, computing exactly what {@code torch.optim.AdamW} does after
 * {@code clip_grad_norm_}:
 *
 * <pre>
 *   c  = min(1, max_norm / (‖g‖₂ + 1e-6))        ‖g‖₂ over all parameters together;  g ← c·g
 *   θ ← θ · (1 − η·λ)                             matrices only (not RMSNorm gains)
 *   m ← β₁ m + (1 − β₁) g
 *   v ← β₂ v + (1 − β₂) g²
 *   θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 *
 * <p>The moments live in a sub-manager of the manager given at construction, never in a per-step scope, and are
 * updated in place; {@link #step} opens its own {@link NDScope}; it zeroes the gradients (the PyTorch engine
 * accumulates them otherwise). Construct and {@link #load} outside any step scope.
 *
 * <p>Two layouts of the same arithmetic. Parameters of up to {@link MemoryEstimate#FLAT_OPTIMIZER_ELEMENTS} elements
 * in all (a LoRA adapter) keep both moments as one flat array each, the per-parameter moments being views of it: a
 * step concatenates the gradients and updates everything with a dozen ops, instead of about fifteen small ops per
 * parameter (84 adapter matrices of the benchmark's 10M model: ≈ 1,300 engine calls of a few microseconds each).
 * Larger parameter sets (a full fine-tune) are updated parameter by parameter, each in a scope of its own, so that
 * a parameter's temporaries are freed before the next one's and the step's peak is set by the largest parameter.
 */
public final class AdamW implements AutoCloseable {

    /** File name of the optimizer state inside a checkpoint. */
    public static final String STATE_FILE = "optimizer.safetensors";

    private static final String FIRST_MOMENT = ".exp_avg";
    private static final String SECOND_MOMENT = ".exp_avg_sq";
    private static final NDIndex ALL = new NDIndex("...");

    /**
     * @param maxGradNorm clip threshold for the global gradient norm; 0 disables clipping
     */
    public record Options(double beta1, double beta2, double epsilon, double weightDecay, double maxGradNorm) {
        /** PyTorch's betas and ε, weight decay 0.01, clipping at 1.0. */
        public static final Options DEFAULTS = new Options(0.9, 0.999, 1e-8, 0.01, 1.0);

        public Options {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(epsilon > 0) || weightDecay < 0 || maxGradNorm < 0) {
                throw new IllegalArgumentException("epsilon must be > 0, weightDecay and maxGradNorm >= 0");
            }
        }
    }

    private final SequencedMap<String, NDArray> parameters;
    private final Options options;
    private final NDManager stateManager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    /** Both moments of all parameters, flat, in parameter order; null when updated parameter by parameter. */
    private final NDArray flatFirst;

    private final NDArray flatSecond;
    /** Where one parameter's elements end in the flat arrays (all but the last). */
    private final long[] flatSplits;

    private int stepCount;

    /** Optimizes {@code parameters} (updated in place), keeping its state in a sub-manager of {@code parent}. */
    public AdamW(SequencedMap<String, NDArray> parameters, Options options, NDManager parent) {
        this(parameters, options, parent, MemoryEstimate.FLAT_OPTIMIZER_ELEMENTS);
    }

    /** As above, with the flat layout for up to {@code flatLimit} elements in all (tests run both layouts). */
    AdamW(SequencedMap<String, NDArray> parameters, Options options, NDManager parent, long flatLimit) {
        this.parameters = parameters;
        this.options = options;
        this.stateManager = parent.newSubManager();
        long total = parameters.values().stream().mapToLong(NDArray::size).sum();
        if (parameters.size() > 1 && total <= flatLimit) {
            flatSplits = new long[parameters.size() - 1];
            long end = 0;
            int i = 0;
            for (NDArray parameter : parameters.values()) {
                end += parameter.size();
                if (i < flatSplits.length) {
                    flatSplits[i++] = end;
                }
            }
            flatFirst = keep(stateManager.zeros(new Shape(total)));
            flatSecond = keep(stateManager.zeros(new Shape(total)));
            putViews(flatFirst, firstMoments);
            putViews(flatSecond, secondMoments);
        } else {
            flatSplits = null;
            flatFirst = null;
            flatSecond = null;
            parameters.forEach((name, parameter) -> {
                firstMoments.put(name, keep(stateManager.zeros(parameter.getShape(), parameter.getDataType())));
                secondMoments.put(name, keep(stateManager.zeros(parameter.getShape(), parameter.getDataType())));
            });
        }
    }

    /** Each parameter's part of {@code flat}, shaped like the parameter: views sharing the flat array's memory. */
    private void putViews(NDArray flat, Map<String, NDArray> moments) {
        NDList parts = flat.split(flatSplits);
        int i = 0;
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            NDArray part = parts.get(i++);
            moments.put(entry.getKey(), keep(part.reshape(entry.getValue().getShape())));
            part.close(); // the reshaped view keeps the memory
        }
    }

    /**
     * Applies one update from the gradients accumulated since the last step, then zeroes them.
     *
     * @return the global gradient norm before clipping
     * @throws IllegalStateException when the gradient is not finite (weights are left unchanged)
     */
    public double step(double learningRate) {
        try (NDScope scope = new NDScope()) {
            return flatFirst != null ? flatStep(learningRate) : stepByParameter(learningRate);
        }
    }

    private double stepByParameter(double learningRate) {
        NDArray sumOfSquares = null;
        for (NDArray parameter : parameters.values()) {
            NDArray squares = perParameter(() -> {
                NDArray gradient = parameter.getGradient();
                return gradient.mul(gradient).sum();
            });
            sumOfSquares = sumOfSquares == null ? squares : sumOfSquares.add(squares);
        }
        double norm = globalNorm(sumOfSquares);
        double clip = clipFactor(norm);
        Coefficients c = nextStep(learningRate);
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            NDArray parameter = entry.getValue();
            // One scope per parameter: its temporaries (about six arrays of its size) are freed before the next
            // parameter's are allocated, so the step's peak is set by the largest parameter, not by all of them.
            try (NDScope update = new NDScope()) {
                NDArray gradient = parameter.getGradient();
                NDArray change = adamChange(
                        gradient, firstMoments.get(entry.getKey()), secondMoments.get(entry.getKey()), clip, c);
                apply(parameter, change, c);
            }
        }
        return norm;
    }

    private double flatStep(double learningRate) {
        NDList gradients = new NDList();
        for (NDArray parameter : parameters.values()) {
            gradients.add(parameter.getGradient().reshape(-1));
        }
        NDArray gradient = NDArrays.concat(gradients, 0);
        double norm = globalNorm(gradient.mul(gradient).sum());
        double clip = clipFactor(norm);
        Coefficients c = nextStep(learningRate);
        NDList changes = adamChange(gradient, flatFirst, flatSecond, clip, c).split(flatSplits);
        int i = 0;
        for (NDArray parameter : parameters.values()) {
            apply(parameter, changes.get(i++).reshape(parameter.getShape()), c);
        }
        return norm;
    }

    /** The bias-corrected step size, √(1 − β₂ᵗ) and the decay factor of the step about to be applied. */
    private record Coefficients(double stepSize, float sqrtBiasCorrection2, float decay) {}

    /** √{@code sumOfSquares}, refusing a gradient that is not finite before anything is changed. */
    private double globalNorm(NDArray sumOfSquares) {
        double norm = Math.sqrt(sumOfSquares.getFloat());
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + " at optimizer step " + (stepCount + 1));
        }
        return norm;
    }

    private double clipFactor(double norm) {
        return options.maxGradNorm() > 0 ? Math.min(1.0, options.maxGradNorm() / (norm + 1e-6)) : 1.0;
    }

    private Coefficients nextStep(double learningRate) {
        stepCount++;
        return new Coefficients(
                learningRate / (1 - Math.pow(options.beta1(), stepCount)),
                (float) Math.sqrt(1 - Math.pow(options.beta2(), stepCount)),
                (float) (1 - learningRate * options.weightDecay()));
    }

    /** Updates the moments {@code m}, {@code v} in place and returns {@code η/(1 − β₁ᵗ) · m / (√v̂ + ε)}. */
    private NDArray adamChange(NDArray gradient, NDArray m, NDArray v, double clip, Coefficients c) {
        double beta1 = options.beta1();
        double beta2 = options.beta2();
        NDArray clipped = clip < 1.0 ? gradient.mul((float) clip) : gradient;
        m.muli((float) beta1).addi(clipped.mul((float) (1 - beta1)));
        // x·x, not square(): PyTorch runs square as pow(x, 2) (see LlamaModel.rmsNorm); the product is exact either
        // way.
        v.muli((float) beta2).addi(clipped.mul(clipped).muli((float) (1 - beta2)));
        NDArray denominator = v.sqrt().divi(c.sqrtBiasCorrection2()).addi((float) options.epsilon());
        return m.div(denominator).muli((float) c.stepSize());
    }

    /** Decoupled weight decay (matrices only), the Adam change, and the gradient zeroed for the next step. */
    private static void apply(NDArray parameter, NDArray change, Coefficients c) {
        if (decays(parameter) && c.decay() != 1f) {
            parameter.muli(c.decay());
        }
        parameter.subi(change);
        NDArray gradient = parameter.getGradient();
        gradient.subi(gradient);
    }

    /**
     * Computes {@code block} in a scope of its own and keeps only its result, registered in the enclosing scope:
     * the per-parameter temporaries are freed at once.
     */
    private static NDArray perParameter(Supplier<NDArray> block) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = block.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /** Number of updates applied so far (restored by {@link #load}). */
    public int stepCount() {
        return stepCount;
    }

    /** Writes both moments of every parameter and the step count to a safetensors file. */
    public void save(Path file) throws IOException {
        SequencedMap<String, NDArray> state = new LinkedHashMap<>();
        parameters.keySet().forEach(name -> {
            state.put(name + FIRST_MOMENT, firstMoments.get(name));
            state.put(name + SECOND_MOMENT, secondMoments.get(name));
        });
        SafeTensors.write(
                file, state, Map.of("format", "pt", "optimizer", "adamw", "step", Integer.toString(stepCount)));
    }

    /**
     * Restores the state written by {@link #save}, for an exact resume.
     *
     * @throws IllegalArgumentException when the file does not match these parameters
     */
    public void load(Path file) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        String step = header.metadata().get("step");
        if (!"adamw".equals(header.metadata().get("optimizer")) || step == null) {
            throw new IllegalArgumentException(file + " is not an AdamW state file");
        }
        try (NDManager loading = stateManager.newSubManager()) {
            Map<String, NDArray> loaded = SafeTensors.read(file, loading);
            parameters.forEach((name, parameter) -> {
                copyInto(firstMoments.get(name), loaded.get(name + FIRST_MOMENT), name + FIRST_MOMENT, file);
                copyInto(secondMoments.get(name), loaded.get(name + SECOND_MOMENT), name + SECOND_MOMENT, file);
            });
        }
        stepCount = Integer.parseInt(step);
    }

    @Override
    public void close() {
        stateManager.close();
    }

    /** Decoupled weight decay applies to weight matrices and embeddings, not to RMSNorm gains (or biases). */
    private static boolean decays(NDArray parameter) {
        return parameter.getShape().dimension() >= 2;
    }

    private static void copyInto(NDArray target, NDArray source, String name, Path file) {
        if (source == null || !source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException(file + " lacks " + name + " of shape " + target.getShape());
        }
        // An indexed write copies into the target's memory; set(Buffer) would give the array new memory instead,
        // cutting a view off from the flat moments it belongs to.
        target.set(ALL, source);
    }

    /** Keeps an array alive past any enclosing {@link NDScope}: state must outlive the step it is created in. */
    private static NDArray keep(NDArray array) {
        NDScope.unregister(array);
        return array;
    }
}
