package dev.safetune.core.job;

/**
 * Resolved training hyperparameters, as stored with the job. The learning rate actually used is
 * {@code learningRateMultiplier * baseLearningRate} of the model.
 */
public record Hyperparameters(int nEpochs, int batchSize, double learningRateMultiplier) {
    public static final int DEFAULT_EPOCHS = 3;
    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final double DEFAULT_LR_MULTIPLIER = 1.0;

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
    }
}
