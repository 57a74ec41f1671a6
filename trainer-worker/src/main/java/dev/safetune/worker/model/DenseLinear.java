package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/** A plain linear map holding its full {@code [out, in]} weight. */
public record DenseLinear(NDArray weight) implements Linear {

    public DenseLinear {
        if (weight.getShape().dimension() != 2) {
            throw new IllegalArgumentException("a linear weight must be [out, in], got " + weight.getShape());
        }
    }

    @Override
    public NDArray forward(NDArray x) {
        // torch.nn.functional.linear, the op transformers uses, so that results round the same way.
        return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
    }

    @Override
    public SequencedMap<String, NDArray> tensors() {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("weight", weight);
        return tensors;
    }
}
