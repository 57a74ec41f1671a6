package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.SequencedMap;

/**
 * A frozen {@link DenseLinear} plus a trainable low-rank update (see {@link LoraConfig} for the formula):
 * {@code y = base(x) + s · dropout(x) Aᵀ Bᵀ}, the adapter path only when the pass enables it.
 *
 * @param a {@code lora_A}, {@code [r, in]}
 * @param b {@code lora_B}, {@code [out, r]}
 * @param dropout probability of zeroing an adapter input while training
 */
public record LoraLinear(DenseLinear base, NDArray a, NDArray b, float dropout) implements Linear {

    public LoraLinear {
        long out = base.weight().getShape().get(0);
        long in = base.weight().getShape().get(1);
        long rank = a.getShape().get(0);
        if (!a.getShape().equals(new Shape(rank, in)) || !b.getShape().equals(new Shape(out, rank))) {
            throw new IllegalArgumentException("LoRA A " + a.getShape() + " and B " + b.getShape()
                    + " do not fit a weight " + base.weight().getShape());
        }
    }

    @Override
    public NDArray forward(NDArray x, ForwardPass pass) {
        NDArray y = base.forward(x, pass);
        return pass.adapterEnabled() ? y.add(delta(x, pass)) : y;
    }

    /** The adapter path alone, {@code s · dropout(x) Aᵀ Bᵀ}, whether or not the pass enables adapters. */
    NDArray delta(NDArray x, ForwardPass pass) {
        NDArray low = pass.training() && dropout > 0
                ? dropoutLow(x)
                : x.getNDArrayInternal().linear(x, a, null).singletonOrThrow();
        // Scaling the rank-r intermediate instead of the output is the same product and r/out as much work.
        low = low.mul(pass.loraScaling());
        return low.getNDArrayInternal().linear(low, b, null).singletonOrThrow();
    }

    /** {@code dropout(x) Aᵀ} with a fresh dropout mask: the unscaled rank-r intermediate of a training pass. */
    NDArray dropoutLow(NDArray x) {
        NDArray input = x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow();
        return input.getNDArrayInternal().linear(input, a, null).singletonOrThrow();
    }

    @Override
    public SequencedMap<String, NDArray> tensors() {
        return base.tensors();
    }

    /** {@code W + s · B A}, the weight PEFT's {@code merge_and_unload} leaves. */
    public NDArray mergedWeight(NDArray scaling) {
        return base.weight().add(b.matMul(a).mul(scaling));
    }
}
