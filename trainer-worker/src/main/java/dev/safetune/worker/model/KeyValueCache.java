package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;

/**
 * Keys and values (after RoPE) of every layer for the tokens seen so far, so that sampling feeds each new token once
 * instead of recomputing the whole sequence. Rows may hold padding: each key column carries a per-row validity flag,
 * and invalid keys are masked out of attention.
 *
 * <p>The cached arrays are taken out of any {@link NDScope} (a sampling step's scope must not free them) and are
 * freed by {@link #close()} or when replaced by a longer version.
 */
public final class KeyValueCache implements AutoCloseable {

    private final int batch;
    private final NDArray[] keys;
    private final NDArray[] values;
    private boolean[][] valid;
    private int length;

    public KeyValueCache(int layers, int batch) {
        this.batch = batch;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.valid = new boolean[batch][0];
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

    /** Appends one layer's new keys and values ({@code [B, kv, T, d]}) and returns the full ones. */
    NDList append(int layer, NDArray newKeys, NDArray newValues) {
        NDArray k = keys[layer] == null ? newKeys : NDArrays.concat(new NDList(keys[layer], newKeys), 2);
        NDArray v = values[layer] == null ? newValues : NDArrays.concat(new NDList(values[layer], newValues), 2);
        replace(keys, layer, k);
        replace(values, layer, v);
        return new NDList(k, v);
    }

    /** Ends a forward pass that appended {@code columns} positions with the given validity. */
    void commit(boolean[][] allValid, int columns) {
        valid = allValid;
        length += columns;
    }

    private static void replace(NDArray[] slots, int layer, NDArray array) {
        NDScope.unregister(array);
        NDArray old = slots[layer];
        slots[layer] = array;
        if (old != null && old != array) {
            old.close();
        }
    }

    @Override
    public void close() {
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
