package dev.safetune.api.job;

import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.core.job.Hyperparameters;
import java.util.Map;
import java.util.function.IntFunction;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/fine_tuning/jobs}. Hyperparameters come either at the top level (OpenAI's older form)
 * or under {@code method.supervised}; each value is a number or {@code "auto"}. (+) {@code safety_policy} pins the job to a
 * safety policy version stricter than or equal to the default instead of the default itself.
 */
public record CreateJobRequest(
        String model,
        String trainingFile,
        String validationFile,
        HyperparametersRequest hyperparameters,
        MethodRequest method,
        String suffix,
        Long seed,
        Map<String, String> metadata,
        String safetyPolicy) {

    public static final String SUPERVISED = "supervised";

    public record MethodRequest(String type, SupervisedRequest supervised) {}

    public record SupervisedRequest(HyperparametersRequest hyperparameters) {}

    /** Each field is a JSON number, {@code "auto"}, or absent. */
    public record HyperparametersRequest(JsonNode nEpochs, JsonNode batchSize, JsonNode learningRateMultiplier) {
        /** Everything "auto": the defaults. */
        static final HyperparametersRequest AUTO = new HyperparametersRequest(null, null, null);

        /**
         * Resolves "auto" and absent values to the defaults. The bounds live in {@link Hyperparameters}; each value
         * is checked on its own there, so an error names the one parameter at fault ({@code param} is its prefix).
         */
        Hyperparameters resolve(String param) {
            int epochs = epochs(nEpochs, param + ".n_epochs");
            int batch = integer(
                    batchSize,
                    param + ".batch_size",
                    Hyperparameters.DEFAULT_BATCH_SIZE,
                    v -> new Hyperparameters(Hyperparameters.DEFAULT_EPOCHS, v, Hyperparameters.DEFAULT_LR_MULTIPLIER));
            double multiplier = multiplier(param + ".learning_rate_multiplier");
            return new Hyperparameters(epochs, batch, multiplier);
        }

        /**
         * An {@code n_epochs} value: a number within {@link Hyperparameters}' bounds, or {@code "auto"}/absent for the
         * default. Also used by dry runs, so an estimate assumes exactly the epochs a job would get.
         */
        public static int epochs(JsonNode value, String param) {
            return integer(
                    value,
                    param,
                    Hyperparameters.DEFAULT_EPOCHS,
                    v -> new Hyperparameters(
                            v, Hyperparameters.DEFAULT_BATCH_SIZE, Hyperparameters.DEFAULT_LR_MULTIPLIER));
        }

        private static int integer(JsonNode value, String param, int auto, IntFunction<Hyperparameters> check) {
            if (isAuto(value)) {
                return auto;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw invalid(param, "must be an integer or 'auto', got " + value);
            }
            int v = value.intValue();
            inRange(param, () -> check.apply(v));
            return v;
        }

        private double multiplier(String param) {
            if (isAuto(learningRateMultiplier)) {
                return Hyperparameters.DEFAULT_LR_MULTIPLIER;
            }
            if (!learningRateMultiplier.isNumber()) {
                throw invalid(param, "must be a number or 'auto', got " + learningRateMultiplier);
            }
            double v = learningRateMultiplier.doubleValue();
            inRange(
                    param,
                    () -> new Hyperparameters(Hyperparameters.DEFAULT_EPOCHS, Hyperparameters.DEFAULT_BATCH_SIZE, v));
            return v;
        }

        private static boolean isAuto(JsonNode value) {
            return value == null
                    || value.isNull()
                    || value.isMissingNode()
                    || (value.isString() && "auto".equals(value.stringValue()));
        }

        private static void inRange(String param, Runnable check) {
            try {
                check.run();
            } catch (IllegalArgumentException e) {
                throw invalid(param, e.getMessage());
            }
        }

        private static InvalidRequestException invalid(String param, String why) {
            return new InvalidRequestException(param, "invalid_value", "Invalid '" + param + "': " + why + ".");
        }
    }
}
