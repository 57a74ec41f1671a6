package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import java.util.SequencedMap;

/**
 * A learned linear map {@code y = x Wᵀ (+ b)} over the last axis (Hugging Face / PyTorch layout: {@code W} is
 * {@code [out, in]}).
 *
 * <p>The decoder only talks to its projections through this interface, so a low-rank adapter ({@link LoraLinear})
 * wraps a frozen {@link DenseLinear} without touching the decoder's arithmetic.
 */
public interface Linear {

    /** Applies the map to {@code x} of shape {@code [..., in]}, giving {@code [..., out]}. */
    NDArray forward(NDArray x, ForwardPass pass);

    /** The base tensors, named relative to the module ({@code "weight"}, {@code "bias"}), in checkpoint order. */
    SequencedMap<String, NDArray> tensors();
}
