package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * A plain linear map holding its full {@code [out, in]} weight and, when the architecture has one, its {@code [out]}
 * bias ({@code null} otherwise).
 */
public record DenseLinear(NDArray weight, NDArray bias) implements Linear {

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
    }

    /** A map without bias. */
    public DenseLinear(NDArray weight) {
        this(weight, null);
    }

    @Override
    public NDArray forward(NDArray x, ForwardPass pass) {
        return forward(x);
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
