package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import java.util.SequencedMap;

/**
 * A learned linear map {@code y = x Wᵀ} over the last axis (Hugging Face / PyTorch layout: {@code W} is
 * {@code [out, in]}, no bias in Llama).
 *
 * <p>The decoder only talks to its projections through this interface, so a low-rank adapter can later wrap a
 * frozen {@link DenseLinear} ({@code y = x Wᵀ + s · x Aᵀ Bᵀ}) without touching the decoder's arithmetic.
 */
public interface Linear {

    /** Applies the map to {@code x} of shape {@code [..., in]}, giving {@code [..., out]}. */
    NDArray forward(NDArray x);

    /** This map's tensors, named relative to the module (e.g. {@code "weight"}), in checkpoint order. */
    SequencedMap<String, NDArray> tensors();
}
