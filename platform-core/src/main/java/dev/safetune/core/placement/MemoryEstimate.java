package dev.safetune.core.placement;

import dev.safetune.core.model.ModelShape;
import java.util.Objects;

/**
 * Peak memory of a fine-tuning run on the worker's fp32 DJL runtime, in bytes, by part. Placement compares
 * {@link #total()} with a worker's advertised capacity: a worker only claims a job whose estimate fits.
 *
 * <p>With P the parameter count ({@link ModelShape#parameterCount()}), P_t the trainable parameters (P for a full
 * fine-tune; {@code L·r·(7h + 2q + 2kv + 3i)} for a rank-r adapter on all seven projections), N = B·T tokens per step
 * (T = the sequence length, capped at the model's context length), h, i, q, kv, H, L, V as in {@link ModelShape}
 * and every number 4 bytes:
 *
 * <pre>
 *   weights        = 4·P
 *   gradients      = 4·P_t                          kept between steps (zeroed, not freed)
 *   optimizerState = 8·P_t                          AdamW's two moments
 *   activations    = 4·N·( L·a + 4h + 2V )          every array the forward pass creates; the step's NDScope
 *                                                   keeps them all until the optimizer step is done
 *       a (full)   = 10h + 8q + 6kv + 5i + 3·H·T    per layer: norms, projections, RoPE, the T×T scores,
 *       a (LoRA)   = 14h + 10q + 10kv + 9i + 14r + 3·H·T      masked scores and probabilities, SwiGLU
 *   temporaries    = max( 4·N·(2V + a),  4·6·P_t )  backward: the loss's gradient at vocabulary size plus one
 *                                                   layer's gradients in flight; or AdamW's step, whose six
 *                                                   temporaries per parameter live until its scope closes
 *   referencePass  = 4·N·( 4V + 10h + a )            when a safeguard needs one: the frozen pass's logits and
 *                                                   log-probabilities, the KL term's two vocabulary-sized arrays,
 *                                                   five hidden states normalised (LDIFS), one layer in flight
 *   allocatorSlack = 0.25·(activations + temporaries + referencePass)
 *   runtimeOverhead = 64 MiB                        tokenizer, the training thread's engine state, code
 *   total = weights + gradients + optimizerState + activations + temporaries + referencePass + allocatorSlack
 *           + runtimeOverhead
 * </pre>
 *
 * <p>The slack is measured, not counted: the per-step arrays are freed and allocated again every step, and glibc's
 * malloc keeps freed blocks below its mmap threshold (which it raises up to 32 MiB as large blocks are freed) for
 * reuse rather than returning them, so the resident peak exceeds the arrays alive at any one time. The overhead is
 * the growth measured on the transformers fixtures of a few thousand parameters (about 40 MiB), where nothing else is
 * left, rounded up.
 *
 * <p>The per-layer counts follow the runtime's forward pass (dev.safetune.worker.model.LlamaModel, LoraLinear and
 * AdamW) array by array; the reference pass is derived from the safeguards design and is not measured yet, since no
 * safeguard runs one so far. The estimate is checked against the peak resident memory of real training steps by
 * TrainingMemoryBenchmark (docs/models.md): it is an upper bound, within 1.5× of the measurement for models of 10M
 * parameters and more. Memory the JVM needs anyway (heap, code, the native libraries) is not part of it: a worker's
 * capacity is what is left after those.
 */
public record MemoryEstimate(
        long weights,
        long gradients,
        long optimizerState,
        long activations,
        long temporaries,
        long referencePass,
        long allocatorSlack,
        long runtimeOverhead) {

    /** See the class comment: measured on the transformers fixtures, where nothing else is left, rounded up. */
    public static final long RUNTIME_OVERHEAD_BYTES = 64L << 20;
    /** See the class comment: the resident peak over the arrays alive in a step, measured. */
    private static final double ALLOCATOR_SLACK = 0.25;

    private static final long FLOAT = 4;
    /** The AdamW step's temporaries per trainable parameter: g², c·g, (1−β₁)·c·g, (c·g)², √v, m/denominator. */
    private static final long OPTIMIZER_TEMPORARIES = 6;
    /** Hidden states the feature-space L2 safeguard compares (the safeguards design: S ≈ 5 layers). */
    private static final long COMPARED_LAYERS = 5;

    public MemoryEstimate {
        for (long part :
                new long[] {weights, gradients, optimizerState, activations, temporaries, referencePass, runtimeOverhead
                }) {
            if (part < 0) {
                throw new IllegalArgumentException("memory parts must not be negative");
            }
        }
    }

    /** The peak memory of training a model of {@code shape} as {@code plan} says. */
    public static MemoryEstimate of(ModelShape shape, TrainingPlan plan) {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(plan, "plan");
        long h = shape.hiddenSize();
        long i = shape.intermediateSize();
        long q = shape.queryWidth();
        long kv = shape.keyValueWidth();
        long heads = shape.numAttentionHeads();
        long layers = shape.numHiddenLayers();
        long vocab = shape.vocabSize();
        long r = plan.loraRank();
        long length = plan.sequenceLengthFor(shape);
        long tokens = plan.batchSize() * length;

        long parameters = shape.parameterCount();
        long trainable = plan.fullFineTune() ? parameters : layers * r * (7 * h + 2 * q + 2 * kv + 3 * i);
        long perLayer = plan.fullFineTune()
                ? 10 * h + 8 * q + 6 * kv + 5 * i + 3 * heads * length
                : 14 * h + 10 * q + 10 * kv + 9 * i + 14 * r + 3 * heads * length;

        long activations = FLOAT * tokens * (layers * perLayer + 4 * h + 2 * vocab);
        long backward = FLOAT * tokens * (2 * vocab + perLayer);
        long optimizerStep = FLOAT * OPTIMIZER_TEMPORARIES * trainable;
        long reference = plan.referencePass() ? FLOAT * tokens * (4 * vocab + 2 * COMPARED_LAYERS * h + perLayer) : 0;
        long temporaries = Math.max(backward, optimizerStep);
        return new MemoryEstimate(
                FLOAT * parameters,
                FLOAT * trainable,
                2 * FLOAT * trainable,
                activations,
                temporaries,
                reference,
                (long) Math.ceil(ALLOCATOR_SLACK * (activations + temporaries + reference)),
                RUNTIME_OVERHEAD_BYTES);
    }

    /** The estimated peak: the sum of the parts. */
    public long total() {
        return weights
                + gradients
                + optimizerState
                + activations
                + temporaries
                + referencePass
                + allocatorSlack
                + runtimeOverhead;
    }
}
