package dev.safetune.worker.embench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Training restricted to one row of one parameter table, e.g. the embedding of one token: every other parameter's
 * gradient is switched off while this is open, and {@link #restoreFrozenRows()} (called after each optimizer step)
 * puts the table's other rows back, so the step moves the one row alone. Putting rows back rather than masking the
 * gradient keeps the shared optimizer step unchanged; with Adam the trained row's update is the same either way
 * (the global clipping factor only rescales a gradient Adam normalises).
 */
final class SingleRowTraining implements AutoCloseable {
    private final LlamaModel model;
    private final String parameter;
    private final NDArray table;
    private final NDManager manager;
    private final NDArray rowMask;
    private final NDArray frozenRows;

    /** Starts training only row {@code row} of {@code parameter} (a Hugging Face tensor name of {@code model}). */
    SingleRowTraining(LlamaModel model, String parameter, int row) {
        this.model = model;
        this.parameter = parameter;
        this.table = model.parameters().get(parameter);
        if (table == null) {
            throw new IllegalArgumentException("the model has no parameter " + parameter);
        }
        long rows = table.getShape().get(0);
        if (row < 0 || row >= rows) {
            throw new IllegalArgumentException("row " + row + " is outside " + parameter + "'s " + rows + " rows");
        }
        GradMode.disableOnThisThread();
        model.parameters().forEach((name, tensor) -> tensor.setRequiresGradient(name.equals(parameter)));
        this.manager = model.manager().newSubManager();
        float[] mask = new float[Math.toIntExact(rows)];
        mask[row] = 1f;
        this.rowMask = manager.create(mask, new Shape(rows, 1));
        try (NDScope scope = new NDScope()) {
            NDArray frozen = table.mul(rowMask.neg().add(1f));
            NDScope.unregister(frozen);
            frozen.attach(manager);
            this.frozenRows = frozen;
        }
    }

    /** The one trained tensor, for the optimizer. */
    SequencedMap<String, NDArray> parameters() {
        SequencedMap<String, NDArray> one = new LinkedHashMap<>();
        one.put(parameter, table);
        return one;
    }

    /** Puts every row but the trained one back to its value when training started. */
    void restoreFrozenRows() {
        try (NDScope scope = new NDScope()) {
            table.muli(rowMask).addi(frozenRows);
        }
    }

    /** Switches every parameter's gradient back on, as a loaded model has it. */
    @Override
    public void close() {
        for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
            entry.getValue().setRequiresGradient(true);
        }
        manager.close();
    }
}
