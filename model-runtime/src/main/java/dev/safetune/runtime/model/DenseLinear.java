package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * A plain linear map holding its full {@code [out, in]} weight and, when the architecture has one, its {@code [out]}
 * bias ({@code null} otherwise).
 *
 * @param inputMajor the same weight as an {@code [in, out]} view, when that is its memory layout
 *     ({@link #transposedStorage}), or null: without bias and without gradients to record for the weight, the map is
 *     {@code x · inputMajor}, one engine op where {@code linear} is two ({@code t} and {@code matmul}); a
 *     decoding step is bound by its op count (docs/benchmarks.md). The view is not connected to the weight in
 *     autograd, so a pass that trains the weight uses {@code linear}.
 */
public record DenseLinear(NDArray weight, NDArray bias, NDArray inputMajor) implements Linear {

    public DenseLinear {
        if (weight.getShape().dimension() != 2) {
            throw new IllegalArgumentException("a linear weight must be [out, in], got " + weight.getShape());
        }
        if (bias != null
                && (bias.getShape().dimension() != 1
                        || bias.getShape().get(0) != weight.getShape().get(0))) {
            throw new IllegalArgumentException(
                    "a linear bias must be [out] for a weight " + weight.getShape() + ", got " + bias.getShape());
        }
        if (inputMajor != null
                && !inputMajor
                        .getShape()
                        .equals(new Shape(
                                weight.getShape().get(1), weight.getShape().get(0)))) {
            throw new IllegalArgumentException("an input-major view must be [in, out] for a weight " + weight.getShape()
                    + ", got " + inputMajor.getShape());
        }
    }

    public DenseLinear(NDArray weight, NDArray bias) {
        this(weight, bias, null);
    }

    /** A map without bias. */
    public DenseLinear(NDArray weight) {
        this(weight, null, null);
    }

    @Override
    public NDArray forward(NDArray x, ForwardPass pass) {
        return forward(x, pass.baseRecordsGradients());
    }

    /** {@code x Wᵀ + b}, by the input-major view when the weight records no gradient in this pass. */
    NDArray forward(NDArray x, boolean weightRecordsGradients) {
        if (inputMajor != null && bias == null && !weightRecordsGradients) {
            return x.matMul(inputMajor);
        }
        return forward(x);
    }

    /**
     * The same {@code [out, in]} weight, as a view of a contiguous {@code [in, out]} copy; the original is closed.
     * {@code linear(x, W)} computes {@code x · Wᵀ}, and with {@code Wᵀ} contiguous the one-row products of a
     * decoding step run MKL's fast kernel: 17–23 GB/s of weights against 12–17 GB/s for the Hugging Face layout
     * (trainer-worker/src/test/python/matvec_layout_benchmark.py). Same numbers, same bytes: checkpoints are written
     * in the Hugging Face layout (SafeTensors copies a view to contiguous memory).
     */
    static NDArray transposedStorage(NDArray weight) {
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        NDArray view;
        // flatten() of the transposed view cannot be a view: it copies into contiguous [in · out] memory.
        try (NDArray transposed = weight.transpose();
                NDArray copy = transposed.flatten();
                NDArray storage = copy.reshape(in, out)) {
            view = storage.transpose();
        }
        weight.close();
        NDScope.unregister(view);
        return view;
    }

    /**
     * The {@code [in, out]} view of a weight stored that way ({@link #transposedStorage}): contiguous, no copy,
     * outside any {@link NDScope}; it lives as long as the weight's manager.
     */
    static NDArray inputMajorView(NDArray weight) {
        NDArray view = weight.transpose();
        NDScope.unregister(view);
        return view;
    }

    /** {@code x Wᵀ + b}. */
    public NDArray forward(NDArray x) {
        // torch.nn.functional.linear, the op transformers uses, so that results round the same way.
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    @Override
    public SequencedMap<String, NDArray> tensors() {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("weight", weight);
        if (bias != null) {
            tensors.put("bias", bias);
        }
        return tensors;
    }
}
