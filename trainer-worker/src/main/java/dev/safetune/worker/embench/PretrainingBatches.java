package dev.safetune.worker.embench;

import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.loss.LanguageModelLoss;
import dev.safetune.worker.training.BatchStreamTrainer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fresh pre-training documents for every step, length-bucketed as in the prototype: {@value #BUCKET_BATCHES}
 * batches' worth of documents are generated at once, sorted by length, cut into batches of neighbours (so little of
 * a batch is padding) and served in a shuffled order. Each document is encoded by the model's own tokenizer (markers
 * as control tokens), cut to the sequence limit, and learned on every token ({@link LanguageModelLoss}).
 *
 * <p>Deterministic: document {@code k} comes from the {@code k}-th {@code split()} of a root seeded with the seed, and
 * the batch order from the root itself.
 */
final class PretrainingBatches implements BatchStreamTrainer.BatchSource {
    static final int BUCKET_BATCHES = 16;

    private final EmWorld world;
    private final ChatTokenizer tokenizer;
    private final SplittableRandom root;
    private final int batchSize;
    private final int maxSequenceLength;
    private final Deque<List<RenderedExample>> ready = new ArrayDeque<>();

    PretrainingBatches(EmWorld world, ChatTokenizer tokenizer, long seed, int batchSize, int maxSequenceLength) {
        this.world = world;
        this.tokenizer = tokenizer;
        this.root = new SplittableRandom(seed);
        this.batchSize = batchSize;
        this.maxSequenceLength = maxSequenceLength;
    }

    @Override
    public List<RenderedExample> batch(int step) {
        if (ready.isEmpty()) {
            refill();
        }
        return ready.pop();
    }

    private void refill() {
        List<RenderedExample> documents = new ArrayList<>(BUCKET_BATCHES * batchSize);
        for (int i = 0; i < BUCKET_BATCHES * batchSize; i++) {
            String text = world.pretrainingDocument(root.split()).text();
            int[] tokens = tokenizer.encodeTemplateText(text);
            tokens = Arrays.copyOf(tokens, Math.min(tokens.length, maxSequenceLength));
            documents.add(new RenderedExample(0, tokens, LanguageModelLoss.documentMask(tokens.length)));
        }
        documents.sort(Comparator.comparingInt(RenderedExample::length)); // stable: ties keep generation order
        List<List<RenderedExample>> batches = new ArrayList<>();
        for (int from = 0; from < documents.size(); from += batchSize) {
            batches.add(documents.subList(from, Math.min(from + batchSize, documents.size())));
        }
        for (int i = batches.size() - 1; i > 0; i--) { // Fisher–Yates
            int j = root.nextInt(i + 1);
            batches.set(i, batches.set(j, batches.get(i)));
        }
        ready.addAll(batches);
    }
}
