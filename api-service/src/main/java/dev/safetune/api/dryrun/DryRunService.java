package dev.safetune.api.dryrun;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.auth.Tenant;
import dev.safetune.api.dryrun.ModelTokenizers.ModelTokenizer;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.file.FileObject.Validation;
import dev.safetune.api.file.FileService;
import dev.safetune.api.file.UploadedFile;
import dev.safetune.api.job.CreateJobRequest.HyperparametersRequest;
import dev.safetune.api.model.Model;
import dev.safetune.api.model.ModelService;
import dev.safetune.core.dataset.ValidationReport;
import dev.safetune.runtime.chat.ChatRenderer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import org.springframework.stereotype.Service;

/**
 * Dry runs: a file's validation report, its tokens as training renders them (the model's tokenizer and chat template,
 * through the model runtime's {@link ChatRenderer}), and what a job would cost and take. The report comes from upload; the tokens are counted by streaming the stored file once per (file, model,
 * tokenizer) and then reused. Deliberately outside any transaction: counting a large file takes a while.
 */
@Service
public class DryRunService {
    private final FileService files;
    private final ModelService models;
    private final ModelTokenizers tokenizers;
    private final TokenCountCache tokenCounts;
    private final TrainingEstimator estimator;
    private final int maxSequenceLength;

    DryRunService(
            FileService files,
            ModelService models,
            ModelTokenizers tokenizers,
            TokenCountCache tokenCounts,
            TrainingEstimator estimator,
            SafetuneProperties properties) {
        this.files = files;
        this.models = models;
        this.tokenizers = tokenizers;
        this.tokenCounts = tokenCounts;
        this.estimator = estimator;
        this.maxSequenceLength = properties.estimate().maxSequenceLength();
    }

    public DryRunReport run(Tenant tenant, String fileId, DryRunRequest request) throws IOException {
        if (request.model() == null || request.model().isBlank()) {
            throw InvalidRequestException.missing("model");
        }
        int epochs = HyperparametersRequest.epochs(request.nEpochs(), "n_epochs");
        UploadedFile file = files.get(tenant, fileId);
        Model model = models.find(tenant, request.model())
                .filter(Model::isBase)
                .orElseThrow(() -> new InvalidRequestException(
                        "model",
                        "model_not_found",
                        "Model '" + request.model() + "' does not exist or cannot be fine-tuned."));
        ModelTokenizer tokenizer = tokenizers.forModel(model);

        Validation validation = files.storedValidation(tenant, file).orElse(null);
        TokenCounts counts = tokenCounts
                .find(file.id(), model.id(), tokenizer.sha256(), maxSequenceLength)
                .orElse(null);
        if (counts == null || validation == null) {
            TokenCounter counter = new TokenCounter(new ChatRenderer(tokenizer.tokenizer(), maxSequenceLength));
            ValidationReport report;
            try (InputStream in = Files.newInputStream(file.storagePath())) {
                report = files.read(in, counter);
            }
            counts = counter.finish();
            tokenCounts.save(file.id(), model.id(), tokenizer.sha256(), counts);
            if (validation == null) {
                // A file uploaded before reports were stored: keep the one this pass produced.
                validation = Validation.of(report);
                files.storeValidation(tenant, file, validation);
            }
        }
        return new DryRunReport(
                DryRunReport.OBJECT,
                file.id(),
                model.id(),
                validation.errorCount() == 0,
                validation,
                counts,
                estimator.estimate(model.id(), counts.trainedTokensPerEpoch(), epochs),
                request.safetyPolicy());
    }
}
