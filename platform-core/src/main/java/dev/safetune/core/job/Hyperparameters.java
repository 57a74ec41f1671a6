package dev.safetune.core.job;

/**
 * Resolved training hyperparameters, as stored with the job. The learning rate actually used is
 * {@code learningRateMultiplier * baseLearningRate} of the model.
 *
 * <p>{@code maxSequenceLength} is the platform's setting when the job was created (the API's
 * {@code safetune.estimate.max-sequence-length}), not a customer parameter: it shapes what the dry run counts and
 * bills, the memory estimate and where the worker cuts each example, so it is stored with the job and the worker
 * trains with the job's value rather than a setting of its own that could differ.
 *
 * @param maxSequenceLength rendered conversations are cut to this many tokens
 */
public record Hyperparameters(int nEpochs, int batchSize, double learningRateMultiplier, int maxSequenceLength) {
    public static final int DEFAULT_EPOCHS = 3;
    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final double DEFAULT_LR_MULTIPLIER = 1.0;
    /** What jobs stored before the length travelled with the job were trained at (both sides' default then). */
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 256;
    /** Longest accepted; far beyond any model this platform trains, it only keeps arrays addressable. */
    public static final int MAX_SEQUENCE_LENGTH_LIMIT = 1 << 20;

    public Hyperparameters {
        if (nEpochs < 1 || nEpochs > 50) {
            throw new IllegalArgumentException("n_epochs must be between 1 and 50");
        }
        if (batchSize < 1 || batchSize > 256) {
            throw new IllegalArgumentException("batch_size must be between 1 and 256");
        }
        if (!(learningRateMultiplier > 0 && learningRateMultiplier <= 100)) {
            throw new IllegalArgumentException("learning_rate_multiplier must be in (0, 100]");
        }
        if (maxSequenceLength < 2 || maxSequenceLength > MAX_SEQUENCE_LENGTH_LIMIT) {
            throw new IllegalArgumentException("max_sequence_length must be between 2 and " + MAX_SEQUENCE_LENGTH_LIMIT
                    + ", got " + maxSequenceLength);
        }
    }

    /** Customer hyperparameters with the {@link #DEFAULT_MAX_SEQUENCE_LENGTH default sequence length}. */
    public Hyperparameters(int nEpochs, int batchSize, double learningRateMultiplier) {
        this(nEpochs, batchSize, learningRateMultiplier, DEFAULT_MAX_SEQUENCE_LENGTH);
    }

    /** These hyperparameters with examples cut to {@code length} tokens. */
    public Hyperparameters withMaxSequenceLength(int length) {
        return new Hyperparameters(nEpochs, batchSize, learningRateMultiplier, length);
    }
}
