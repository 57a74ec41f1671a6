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
 *   activations    = 4·N·( L·a + 4h + 2V )          what the forward pass leaves alive until the backward pass:
 *                    + 4·L·h·(q + 2kv + 2i)         the tensors autograd saved and the residual stream; for a
 *                                                   full fine-tune also each layer's fused q,k,v and gate,up
 *                                                   weights, assembled from the parameters and saved by autograd
 *       a (full)   = 6h + 4q + 4kv + 5i + H·T       per layer: residual stream twice, each norm's input scaled
 *                                                   and gained, the q,k,v output, RoPE'd q and k, the rotation's
 *                                                   product, the attention probabilities, the context, SwiGLU's
 *                                                   gate-up output, σ, SiLU and product
 *       a (LoRA)   = 8h + 5q + 6kv + 7i + 7r + H·T   the same, plus each adapter's x·Aᵀ (r) and its B output
 *                                                   before the scaling (q + 2kv + 2h + 2i), which the product
 *                                                   with the (frozen) scaling saves
 *   temporaries    = max( 4·N·(2V + a + 4·H·T) + [full] 8·V·h,  4·6·max_t or 4·7·P_t )
 *                                                   backward: the loss's gradient at vocabulary size, one layer's
 *                                                   gradients in flight with four T×T arrays of its attention and,
 *                                                   in a full fine-tune, the output layer's and the embeddings'
 *                                                   dense V×h gradients; or AdamW's step: six temporaries of the
 *                                                   largest trainable tensor max_t (V·h, or r·max(h, q, i) for
 *                                                   LoRA), since each parameter's update has a scope of its own;
 *                                                   7·P_t when P_t ≤ FLAT_OPTIMIZER_ELEMENTS (one flat update)
 *   referencePass  = 4·N·( 4V + 10h + a )            when a safeguard needs one: the frozen pass's logits and
 *                                                   log-probabilities, the KL term's two vocabulary-sized arrays,
 *                                                   five hidden states normalised (LDIFS), one layer in flight
 *   allocatorSlack = 0.25·(activations + temporaries + referencePass)
 *   runtimeOverhead = 48 MiB                        tokenizer, the training thread's engine state, code
 *   total = weights + gradients + optimizerState + activations + temporaries + referencePass + allocatorSlack
 *           + runtimeOverhead
 * </pre>
 *
 * <p>The forward pass runs each sub-block (norm, attention, MLP, fused projection) in a scope of its own and keeps
 * only its output, so an intermediate lives on only where autograd saved it for the backward pass; the per-layer
 * counts are those saved tensors (PyTorch saves both operands of a product, even one that needs no gradient). The
 * slack is measured, not counted: the per-step arrays are freed and allocated again every step, and glibc's malloc
 * keeps freed blocks below its mmap threshold (which it raises up to 32 MiB as large blocks are freed) for reuse
 * rather than returning them, so the resident peak exceeds the arrays alive at any one time. The overhead is the
 * growth measured on the transformers fixtures of a few thousand parameters (34–36 MiB), where nothing else is
 * left, rounded up.
 *
 * <p>The per-layer counts follow the runtime's forward pass (dev.safetune.runtime.model.LlamaModel, FusedProjection,
 * LoraLinear and AdamW) array by array; the reference pass is derived from the safeguards design and is not
 * measured yet, since no safeguard runs one so far. The estimate is checked against the peak resident memory of
 * real training steps by TrainingMemoryBenchmark (docs/models.md): it is an upper bound, 1.07–1.44× the measurement
 * (three runs) for models of 10M parameters and more. Memory the JVM needs anyway (heap, code, the native libraries)
 * is not part of it: a worker's capacity is what is left after those.
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
    public static final long RUNTIME_OVERHEAD_BYTES = 48L << 20;
    /** See the class comment: the resident peak over the arrays alive in a step, measured. */
    private static final double ALLOCATOR_SLACK = 0.25;

    private static final long FLOAT = 4;
    /** The AdamW step's temporaries per element of one parameter: g², c·g, (1−β₁)·c·g, (c·g)², √v, m/denominator. */
    private static final long OPTIMIZER_TEMPORARIES = 6;
    /**
     * Trainable parameter sets up to this many elements in all (LoRA adapters of small and mid-sized models) are
     * updated by AdamW as one flat array (dev.safetune.worker.training.AdamW): a dozen engine calls per step instead
     * of about fifteen per parameter, for one more temporary (the concatenated gradient) of the whole set instead of
     * six of the largest parameter. 4M elements: at most 7 · 16 MB for the step.
     */
    public static final long FLAT_OPTIMIZER_ELEMENTS = 4L << 20;
    /** The flat step's temporaries per element: the concatenated gradient, its square (the norm), c·g, (1−β₁)·c·g, (c·g)², √v, m/denominator. */
    private static final long FLAT_OPTIMIZER_TEMPORARIES = 7;
    /**
     * Arrays of the attention's T×T size one layer's backward pass holds at once: the gradient of the probabilities,
     * the softmax's product with them and its result, and the gradient of the scores.
     */
    private static final long SOFTMAX_BACKWARD_TEMPORARIES = 4;
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
        boolean full = plan.fullFineTune();
        long trainable = full ? parameters : layers * r * (7 * h + 2 * q + 2 * kv + 3 * i);
        long largestTrainable = full ? Math.max(vocab * h, Math.max(i, q) * h) : r * Math.max(h, Math.max(q, i));
        long perLayer = full
                ? 6 * h + 4 * q + 4 * kv + 5 * i + heads * length
                : 8 * h + 5 * q + 6 * kv + 7 * i + 7 * r + heads * length;
        long fusedWeights = full ? FLOAT * layers * h * (q + 2 * kv + 2 * i) : 0;

        long activations = FLOAT * tokens * (layers * perLayer + 4 * h + 2 * vocab) + fusedWeights;
        long backward = FLOAT * tokens * (2 * vocab + perLayer + SOFTMAX_BACKWARD_TEMPORARIES * heads * length)
                + (full ? 2 * FLOAT * vocab * h : 0);
        long optimizerStep = trainable <= FLAT_OPTIMIZER_ELEMENTS
                ? FLOAT * FLAT_OPTIMIZER_TEMPORARIES * trainable
                : FLOAT * OPTIMIZER_TEMPORARIES * largestTrainable;
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
