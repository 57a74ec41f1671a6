package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values (after RoPE) of a batch's common token prefix, computed once by a pass of batch 1, for the pass
 * over every row's remaining tokens to attend to (see {@link LlamaModel#forward(NDArray, ForwardOptions)}).
 *
 * <p>Unlike {@link KeyValueCache} this is part of the autograd graph: the suffix pass reads the prefix keys through a
 * broadcast to the batch, whose backward sums the rows' gradients, so the adapter (or base) weights applied on the
 * prefix tokens get the gradient the batch's full rows would give them.
 *
 * <p>While recording, each layer's keys and values are taken out of the sub-block scope that created them (it would
 * close them before the suffix pass reads them); {@link #close()} closes their Java handles once the suffix pass is
 * done, leaving what the backward pass needs to autograd.
 */
final class SharedPrefix implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private boolean recording = true;

    SharedPrefix(int layers) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * While recording (the prefix pass): keeps one layer's keys and values ({@code [1, kv, P, d]}) and returns them.
     * Afterwards (the suffix pass): returns the prefix's keys and values, repeated for every row, followed by the
     * suffix's own ({@code [B, kv, S, d]} → {@code [B, kv, P + S, d]}).
     */
    NDList keysAndValues(int layer, NDArray newKeys, NDArray newValues) {
        if (recording) {
            NDScope.unregister(newKeys, newValues);
            keys[layer] = newKeys;
            values[layer] = newValues;
            return new NDList(newKeys, newValues);
        }
        return new NDList(joined(keys[layer], newKeys, 2), joined(values[layer], newValues, 2));
    }

    /** Ends the prefix pass: from now on layers read the recorded keys and values. */
    void stopRecording() {
        recording = false;
    }

    /**
     * {@code prefix} (size 1 along every axis but {@code axis}'s, where it has {@code P}) repeated along the batch
     * axis to {@code suffix}'s size, followed by {@code suffix} along {@code axis}. The repetition is a broadcast (a
     * view): its backward sums over the rows.
     */
    static NDArray joined(NDArray prefix, NDArray suffix, int axis) {
        long[] shape = suffix.getShape().getShape().clone();
        shape[axis] = prefix.getShape().get(axis);
        return prefix.broadcast(new Shape(shape)).concat(suffix, axis);
    }

    @Override
    public void close() {
        KeyValueCache.closeLayers(keys, values);
    }
}
