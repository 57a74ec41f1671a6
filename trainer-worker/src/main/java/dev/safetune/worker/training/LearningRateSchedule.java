package dev.safetune.worker.training;

/**
 * Linear warm-up to the peak learning rate, then cosine decay to a fraction of it at the last step:
 *
 * <pre>
 *   η(s) = η_peak · s / W                                                  s ≤ W
 *   η(s) = η_peak · (f + (1 − f) · ½ (1 + cos(π (s − W) / (S − W))))        W &lt; s ≤ S
 * </pre>
 *
 * with 1-based step {@code s}, {@code W} warm-up steps, {@code S} total steps and final fraction {@code f}.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double finalFraction) {

    /** Warm-up over the first 5 % of the steps (at least one). */
    public static final double WARMUP_FRACTION = 0.05;
    /** Decay to 10 % of the peak. */
    public static final double FINAL_FRACTION = 0.1;

    public LearningRateSchedule {
        if (!(peak > 0) || totalSteps < 1 || warmupSteps < 1 || !(finalFraction >= 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("invalid schedule: peak " + peak + ", warm-up " + warmupSteps
                    + ", total " + totalSteps + ", final fraction " + finalFraction);
        }
    }

    /** The house schedule: {@value #WARMUP_FRACTION} warm-up, cosine to {@value #FINAL_FRACTION}. */
    public static LearningRateSchedule warmupCosine(double peak, int totalSteps) {
        int warmup = Math.max(1, (int) Math.ceil(totalSteps * WARMUP_FRACTION));
        return new LearningRateSchedule(peak, warmup, totalSteps, FINAL_FRACTION);
    }

    /** The learning rate of 1-based step {@code step}. */
    public double at(int step) {
        if (step <= warmupSteps) {
            return peak * step / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
        return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
