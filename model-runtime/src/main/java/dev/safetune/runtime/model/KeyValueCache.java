package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * Keys and values (after RoPE) of every layer for the tokens seen so far, so that sampling feeds each new token once
 * instead of recomputing the whole sequence. Rows may hold padding: each key column carries a per-row validity flag,
 * and invalid keys are masked out of attention.
 *
 * <p>Each layer's keys and values live in a preallocated {@code [B, kv, capacity, d]} buffer that new columns are
 * written into in place, and attention reads a view of the filled part: appending a token copies only that token,
 * not the whole cache (a concatenation per step would copy {@code B·kv·T·d} floats per layer, which dominates batched
 * sampling). A buffer that fills up is replaced by one of twice the capacity. Inference only: the in-place writes do
 * not record gradients.
 *
 * <p>The buffers are taken out of any {@link NDScope} (a sampling step's scope must not free them) and are freed by
 * {@link #close()}.
 */
public final class KeyValueCache implements AutoCloseable {

    private final int batch;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int capacity;
    private boolean[][] valid;
    private int length;

    /**
     * @param capacity positions to allocate room for at first use (more are allocated when needed)
     */
    public KeyValueCache(int layers, int batch, int capacity) {
        this.batch = batch;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = Math.max(1, capacity);
        this.valid = new boolean[batch][0];
    }

    /** A cache that starts with room for 64 positions. */
    public KeyValueCache(int layers, int batch) {
        this(layers, batch, 64);
    }

    public int batch() {
        return batch;
    }

    /** Number of positions cached so far. */
    public int length() {
        return length;
    }

    /**
     * Records the validity of {@code columns} new key positions per row ({@code [batch × columns]}, row-major) and
     * returns the validity of all keys, old and new, {@code [batch][length + columns]}.
     */
    boolean[][] extendValidity(boolean[] newValid, int columns) {
        if (newValid.length != batch * columns) {
            throw new IllegalArgumentException("validity needs " + batch * columns + " flags, got " + newValid.length);
        }
        boolean[][] all = new boolean[batch][];
        for (int b = 0; b < batch; b++) {
            all[b] = Arrays.copyOf(valid[b], length + columns);
            System.arraycopy(newValid, b * columns, all[b], length, columns);
        }
        return all;
    }

    /**
     * Writes one layer's new keys and values ({@code [B, kv, T, d]}) after the cached ones and returns views of all
     * of them, {@code [B, kv, length + T, d]}.
     */
    NDList append(int layer, NDArray newKeys, NDArray newValues) {
        int columns = Math.toIntExact(newKeys.getShape().get(2));
        int end = length + columns;
        if (keys[layer] == null || end > keys[layer].getShape().get(2)) {
            while (capacity < end) {
                capacity *= 2;
            }
            keys[layer] = grow(keys[layer], newKeys);
            values[layer] = grow(values[layer], newValues);
        }
        write(keys[layer], newKeys, end);
        write(values[layer], newValues, end);
        // One slice op each. NDArray.get with an NDIndex slices every dimension, full ones included: four ops per
        // array, 16 of a 1M model's ≈ 60 ops per layer and decoding step (docs/benchmarks.md).
        return new NDList(
                JniUtils.slice((PtNDArray) keys[layer], 2, 0, end, 1),
                JniUtils.slice((PtNDArray) values[layer], 2, 0, end, 1));
    }

    /** Copies {@code columns} into positions {@code length … end − 1} of {@code buffer}, in place. */
    private void write(NDArray buffer, NDArray columns, int end) {
        Shape shape = buffer.getShape();
        // Exact bounds on the leading dimensions: ATen skips a slice that spans a whole dimension.
        JniUtils.indexSet(
                (PtNDArray) buffer,
                (PtNDArray) columns,
                new long[] {0, 0, length},
                new long[] {shape.get(0), shape.get(1), end},
                new long[] {1, 1, 1});
    }

    /** A buffer of the current capacity holding the {@code length} cached positions of {@code old} (if any). */
    private NDArray grow(NDArray old, NDArray like) {
        Shape columns = like.getShape();
        NDArray buffer = like.getManager().zeros(new Shape(columns.get(0), columns.get(1), capacity, columns.get(3)));
        NDScope.unregister(buffer);
        if (old != null) {
            NDIndex cached = new NDIndex(":, :, :" + length + ", :");
            buffer.set(cached, old.get(cached));
            old.close();
        }
        return buffer;
    }

    /** Ends a forward pass that appended {@code columns} positions with the given validity. */
    void commit(boolean[][] allValid, int columns) {
        valid = allValid;
        length += columns;
    }

    @Override
    public void close() {
        closeLayers(keys, values);
    }

    /** Closes each layer's keys and values that are set and clears the slots (shared with {@link SharedPrefix}). */
    static void closeLayers(NDArray[] keys, NDArray[] values) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = null;
                values[i] = null;
            }
        }
    }
}
