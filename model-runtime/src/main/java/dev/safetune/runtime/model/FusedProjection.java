package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Projections that read the same input, stored as one {@code [Σout, in]} weight so that one matmul computes them
 * all: {@code q,k,v} after the input norm and {@code gate,up} after the post-attention norm. On a CPU, one GEMM of
 * width {@code Σout} runs faster than several narrow ones and costs one JNI round trip instead of several (the
 * DJL per-op overhead that dominates small models; see docs/benchmarks.md).
 *
 * <p>The fused weight is itself a view: its memory holds {@code [in, Σout]} contiguously (see
 * {@link DenseLinear#transposedStorage}). The Hugging Face tensors ({@code q_proj.weight} …) stay the model's named parameters:
 * they are views of rows of the fused weight, sharing its storage, so checkpoints, the optimizer's in-place updates
 * and LoRA merges see the same numbers as the fused matmul, and no weight is held twice.
 *
 * @param targets the projections, in row order of the fused weight
 * @param fused the fused map: weight {@code [Σout, in]} with its input-major view, bias {@code [Σout]} or null
 * @param splitPoints where one projection's outputs end and the next one's begin ({@code targets.size() − 1} points)
 */
record FusedProjection(List<LoraTarget> targets, DenseLinear fused, long[] splitPoints) {

    /**
     * Fuses the weights (and biases) of {@code targets} in layer {@code prefix} of {@code weights}: the originals
     * are freed and replaced in the map by views of the fused tensors. One layer at a time, so loading holds at most
     * one layer's projections twice.
     */
    static FusedProjection fuse(Map<String, NDArray> weights, String prefix, List<LoraTarget> targets) {
        List<String> weightNames = new ArrayList<>();
        List<String> biasNames = new ArrayList<>();
        for (LoraTarget target : targets) {
            weightNames.add(prefix + target.modulePath() + ".weight");
            biasNames.add(prefix + target.modulePath() + ".bias");
        }
        long[] points = new long[targets.size() - 1];
        long end = 0;
        for (int i = 0; i < points.length; i++) {
            end += weights.get(weightNames.get(i)).getShape().get(0);
            points[i] = end;
        }
        NDArray fusedWeight = fuseRows(weights, weightNames, points);
        NDArray fusedBias = weights.containsKey(biasNames.getFirst()) ? fuseRows(weights, biasNames, points) : null;
        return new FusedProjection(
                List.copyOf(targets),
                new DenseLinear(fusedWeight, fusedBias, DenseLinear.inputMajorView(fusedWeight)),
                points);
    }

    private static NDArray fuseRows(Map<String, NDArray> weights, List<String> names, long[] points) {
        NDList parts = new NDList();
        for (String name : names) {
            parts.add(weights.get(name));
        }
        NDArray fused;
        if (parts.getFirst().getShape().dimension() == 2) {
            // Stored transposed, [in, Σout] (see DenseLinear.transposedStorage): the [Σout, in] weight is a view of it.
            NDList columns = new NDList();
            for (NDArray part : parts) {
                columns.add(part.transpose());
            }
            NDArray storage = NDArrays.concat(columns, 1);
            fused = storage.transpose();
            columns.close();
            storage.close();
        } else {
            fused = NDArrays.concat(parts, 0);
        }
        NDScope.unregister(fused);
        NDList views = fused.split(points, 0);
        for (int i = 0; i < names.size(); i++) {
            NDArray view = views.get(i);
            NDScope.unregister(view);
            weights.put(names.get(i), view);
        }
        parts.close();
        return fused;
    }

    /**
     * The projections' outputs, one per target, each with its adapter path added when {@code layer} wraps it in
     * LoRA and the pass enables adapters.
     *
     * <p>While the base weights are being trained (full fine-tuning with autograd recording), the fused weight is
     * assembled from the parameter views for the pass, so that the gradient reaches each named parameter; the copy
     * costs one read of the weights, far less than the matmul. Otherwise the stored fused weight is used directly.
     */
    NDList forward(NDArray x, Map<LoraTarget, Linear> layer, ForwardPass pass) {
        // Only the split outputs leave: the assembled weight, the base output and the adapter deltas are closed here
        // (autograd keeps what its backward reads; see LlamaModel.subBlock).
        return LlamaModel.subBlockOutputs(() -> fusedOutputs(x, layer, pass));
    }

    private NDList fusedOutputs(NDArray x, Map<LoraTarget, Linear> layer, ForwardPass pass) {
        NDArray y;
        if (pass.baseRecordsGradients()) {
            NDList weights = new NDList();
            NDList biases = new NDList();
            for (LoraTarget target : targets) {
                DenseLinear dense = base(layer.get(target));
                weights.add(dense.weight());
                if (fused.bias() != null) {
                    biases.add(dense.bias());
                }
            }
            NDArray w = NDArrays.concat(weights, 0);
            NDArray b = fused.bias() == null ? null : NDArrays.concat(biases, 0);
            y = x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
        } else {
            y = fused.forward(x, false);
        }
        if (pass.adapterEnabled() && targets.stream().anyMatch(t -> layer.get(t) instanceof LoraLinear)) {
            y = y.add(adapterDeltas(x, layer, pass, y.getShape()));
        }
        return y.split(splitPoints, y.getShape().dimension() - 1);
    }

    /**
     * The adapters' paths side by side in the fused layout (zeros for a projection without adapter), added before
     * the split: one addition, and the outputs keep the memory layout of the adapter-less pass, so a fresh adapter
     * ({@code B = 0}) reproduces the base model bit for bit.
     *
     * <p>Two matmuls for the whole group instead of two per adapter, and no concatenation of the outputs: the
     * adapters' {@code A} are stacked, {@code low = s · x [A_q; A_k; A_v]ᵀ} ({@code [.., Σr]}), and their {@code B}
     * form one block-diagonal {@code [Σout, Σr]} matrix, so that {@code low · B_blockᵀ} is every adapter's
     * {@code s · x Aᵀ Bᵀ} in its own columns. The zero blocks cost multiply-adds, but a rank-r product is bound
     * by writing its {@code [.., out]} result, which this writes once (see docs/benchmarks.md). With dropout on,
     * each adapter draws its own mask, as in PEFT, so the {@code A} products stay apart.
     */
    private NDArray adapterDeltas(NDArray x, Map<LoraTarget, Linear> layer, ForwardPass pass, Shape fusedShape) {
        List<LoraLinear> adapters = new ArrayList<>();
        for (LoraTarget target : targets) {
            if (layer.get(target) instanceof LoraLinear lora) {
                adapters.add(lora);
            }
        }
        // One adapter config per model: all of the group's adapters have the same dropout.
        boolean dropout = pass.training() && adapters.getFirst().dropout() > 0;
        NDList parts = new NDList();
        long rankSum = 0;
        for (LoraLinear lora : adapters) {
            parts.add(dropout ? lora.dropoutLow(x) : lora.a());
            rankSum += lora.a().getShape().get(0);
        }
        NDArray low;
        if (dropout) {
            low = parts.size() == 1 ? parts.getFirst() : NDArrays.concat(parts, -1);
        } else {
            NDArray a = parts.size() == 1 ? parts.getFirst() : NDArrays.concat(parts, 0);
            low = x.getNDArrayInternal().linear(x, a, null).singletonOrThrow();
        }
        low = low.mul(pass.loraScaling());
        NDList blocks = new NDList();
        long offset = 0;
        long previous = 0;
        for (int i = 0; i < targets.size(); i++) {
            long end = i < splitPoints.length ? splitPoints[i] : fusedShape.get(fusedShape.dimension() - 1);
            if (layer.get(targets.get(i)) instanceof LoraLinear lora) {
                long rank = lora.b().getShape().get(1);
                // pad(left, right) widens the last axis: B's columns land at the adapter's offset in Σr.
                blocks.add(rank == rankSum ? lora.b() : lora.b().pad(new Shape(offset, rankSum - offset - rank), 0));
                offset += rank;
            } else {
                blocks.add(x.getManager().zeros(new Shape(end - previous, rankSum)));
            }
            previous = end;
        }
        NDArray bBlock = blocks.size() == 1 ? blocks.getFirst() : NDArrays.concat(blocks, 0);
        return low.getNDArrayInternal().linear(low, bBlock, null).singletonOrThrow();
    }

    private static DenseLinear base(Linear linear) {
        return switch (linear) {
            case DenseLinear dense -> dense;
            case LoraLinear lora -> lora.base();
            default ->
                throw new IllegalStateException(
                        "cannot fuse a " + linear.getClass().getSimpleName());
        };
    }
}
