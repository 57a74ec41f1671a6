package dev.safetune.api.file;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.file.FileObject.Validation;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.ListOrder;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.dataset.ValidationReport;
import dev.safetune.core.id.Ids;
import dev.safetune.core.job.JobStatus;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.safeguards.screen.DataScreen;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenReport;
import dev.safetune.safeguards.screen.ScreenView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.FileUploadSizeException;
import org.apache.commons.fileupload2.jakarta.servlet6.JakartaServletFileUpload;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.StringUtils;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * Tenants' files. Uploads are stored under {@code <artifacts-dir>/files/<organization>/<file id>.jsonl}; a file
 * appears there only complete (written to a temporary name, synced, then atomically renamed) and only then gets its
 * database row.
 */
@Service
public class FileService {
    public static final String FINE_TUNE = "fine-tune";
    /** Bad lines kept in a file's report; {@code error_count} still counts every one. */
    public static final int REPORT_ERROR_CAP = 1000;
    /**
     * The longest line accepted, far above any context length trained on. The reader holds one line at a time, so this
     * is the bound on the memory validating one file takes.
     */
    public static final int MAX_LINE_BYTES = 8 << 20;
    /** A file is in use while any job naming it can still run (or be audited). */
    private static final List<String> ACTIVE_JOB_STATUSES = Arrays.stream(JobStatus.values())
            .filter(status -> !status.isTerminal())
            .map(JobStatus::wireName)
            .toList();

    private final UploadedFileRepository files;
    private final ValidationReportStore reports;
    private final SafetuneProperties properties;
    private final TransactionTemplate transactions;
    private final MeterRegistry meters;
    private final Counter uploadedBytes;
    private final FileListing listing;
    private final ExampleScreener screener;
    private final ScreenSettings.CurrentScreenRules screenRules;
    private final FileScreenStore screens;

    FileService(
            UploadedFileRepository files,
            FileListing listing,
            ValidationReportStore reports,
            SafetuneProperties properties,
            TransactionTemplate transactions,
            MeterRegistry meters,
            ExampleScreener screener,
            ScreenSettings.CurrentScreenRules screenRules,
            FileScreenStore screens) {
        this.files = files;
        this.screener = screener;
        this.screenRules = screenRules;
        this.screens = screens;
        this.listing = listing;
        this.reports = reports;
        this.properties = properties;
        this.transactions = transactions;
        this.meters = meters;
        this.uploadedBytes = Counter.builder("safetune.files.uploaded.bytes")
                .description("Bytes of files uploaded")
                .baseUnit("bytes")
                .register(meters);
    }

    /**
     * Reads a {@code multipart/form-data} upload ({@code purpose}, {@code file}) as it arrives: the file part goes
     * straight from the connection through SHA-256 and the validator into storage, so neither memory nor a temporary
     * copy ever holds the whole file.
     */
    public FileObject upload(Tenant tenant, HttpServletRequest request) throws IOException {
        long max = properties.maxUploadSize().toBytes();
        JakartaServletFileUpload<?, ?> parser = new JakartaServletFileUpload<>();
        parser.setFileSizeMax(max);
        String purpose = null;
        FileObject stored = null;
        try {
            FileItemInputIterator parts = parser.getItemIterator(request);
            while (parts.hasNext()) {
                FileItemInput part = parts.next();
                if (part.isFormField() && "purpose".equals(part.getFieldName())) {
                    purpose = formField(part);
                    if (stored == null) {
                        requirePurpose(purpose); // refuse before any byte of the file is stored
                    }
                } else if (!part.isFormField() && "file".equals(part.getFieldName())) {
                    if (stored != null) {
                        throw new InvalidRequestException("file", "invalid_value", "Send exactly one 'file' part.");
                    }
                    try (InputStream in = part.getInputStream()) {
                        stored = store(tenant, in, filenameOf(part.getName()));
                    }
                } else {
                    part.getInputStream().transferTo(OutputStream.nullOutputStream());
                }
            }
        } catch (FileUploadSizeException e) {
            throw new MaxUploadSizeExceededException(max, e);
        } catch (FileUploadException e) {
            throw new InvalidRequestException(null, "invalid_multipart", "Malformed multipart body: " + e.getMessage());
        }
        if (stored == null) {
            throw new InvalidRequestException(
                    "file", "missing_required_parameter", "Missing required parameter: 'file'.");
        }
        if (!FINE_TUNE.equals(purpose)) {
            // The purpose came after the file, or never: the file is already stored and must not be kept.
            delete(tenant, stored.id());
            if (purpose == null) {
                throw new InvalidRequestException(
                        "purpose", "missing_required_parameter", "Missing required parameter: 'purpose'.");
            }
            requirePurpose(purpose);
        }
        return stored;
    }

    private static String formField(FileItemInput part) throws IOException {
        try (InputStream in = part.getInputStream()) {
            byte[] value = in.readNBytes(1025);
            if (value.length > 1024) {
                throw new InvalidRequestException(part.getFieldName(), "invalid_value", "Form field is too long.");
            }
            return new String(value, java.nio.charset.StandardCharsets.UTF_8).strip();
        }
    }

    private static void requirePurpose(String purpose) {
        if (!FINE_TUNE.equals(purpose)) {
            throw new InvalidRequestException(
                    "purpose", "invalid_value", "Invalid purpose '" + purpose + "': only 'fine-tune' is supported.");
        }
    }

    /**
     * Stores, hashes, validates and screens one file in a single streaming pass: the screen reads each example as the
     * validator hands it on (docs/screening.md), so no second pass over the file is made.
     */
    private FileObject store(Tenant tenant, InputStream upload, String filename) throws IOException {
        String purpose = FINE_TUNE;
        String id = Ids.newId("file");
        Path directory = properties.artifactsDir().resolve("files").resolve(tenant.organizationId());
        Files.createDirectories(directory);
        Path target = directory.resolve(id + ".jsonl");
        Path temporary = Files.createTempFile(directory, "." + id + "-", ".part");
        ValidationReport report;
        DataScreen screen = new DataScreen(screener);
        CopyingInputStream tee;
        MessageDigest sha256 = sha256();
        try {
            try (InputStream in = upload;
                    FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                tee = new CopyingInputStream(in, out, sha256);
                report = read(tee, screen);
                tee.drain();
                out.flush();
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        UploadedFile file = new UploadedFile(
                id,
                tenant.organizationId(),
                filename,
                purpose,
                tee.bytes(),
                HexFormat.of().formatHex(sha256.digest()),
                target,
                report.valid() ? UploadedFile.PROCESSED : UploadedFile.ERROR,
                report.summary(),
                report.examples(),
                Instant.now().truncatedTo(ChronoUnit.MICROS));
        Validation validation = Validation.of(report);
        ScreenReport screened = screen.report();
        ScreenView screenView = ScreenView.of(screened, screenRules.get().decide(screened));
        try {
            transactions.executeWithoutResult(status -> {
                // Flushed first: the report is written by SQL to the row JPA would otherwise insert only at commit.
                files.saveAndFlush(file);
                reports.save(file.id(), tenant.organizationId(), validation);
                screens.save(file.id(), tenant.organizationId(), screenView);
            });
        } catch (RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        meters.counter("safetune.files.uploaded", "status", file.status()).increment();
        meters.counter("safetune.files.screened", "decision", screenView.decision())
                .increment();
        uploadedBytes.increment(file.bytes());
        return FileObject.of(file, validation);
    }

    /**
     * Reads a training file the one way uploads and dry runs both do: {@link TrainingFileReader} with this service's
     * error cap and line limit ({@value #MAX_LINE_BYTES} bytes; a longer line is an error and is skipped), handing each
     * valid example to {@code sink}.
     */
    public ValidationReport read(InputStream in, Consumer<ChatExample> sink) throws IOException {
        return new TrainingFileReader(REPORT_ERROR_CAP, MAX_LINE_BYTES).read(in, sink);
    }

    /** The file with its stored validation report. */
    @Transactional(readOnly = true)
    public FileObject getWithValidation(Tenant tenant, String id) {
        UploadedFile file = get(tenant, id);
        return FileObject.of(
                file, reports.find(file.id(), tenant.organizationId()).orElse(null));
    }

    /**
     * One page of the file's screen report: findings {@code [offset, offset + limit)} of those kept. A file of another
     * organisation is not found, exactly as if it did not exist.
     */
    @Transactional(readOnly = true)
    public ScreenView screen(Tenant tenant, String id, int offset, int limit) {
        UploadedFile file = get(tenant, id);
        return screens.find(file.id(), tenant.organizationId())
                .orElseThrow(() -> new NotFoundException(
                        "id", "File " + id + " has no screen report: it was uploaded before screening existed."))
                .page(offset, limit);
    }

    /**
     * Refuses a file whose screen decision stops jobs ({@code hold}, {@code reject}), naming the categories and their
     * first lines; otherwise returns the policy versions its screen pinned (empty when none), which the job must be
     * pinned at least as strictly as. Must run inside the caller's transaction (job creation), after
     * {@link #lockForUse}.
     */
    public List<String> requireTrainable(Tenant tenant, UploadedFile file, String param) {
        Optional<ScreenView> screen = screens.find(file.id(), tenant.organizationId());
        if (screen.isEmpty()) {
            return List.of(); // uploaded before screening existed
        }
        ScreenView view = screen.get();
        ScreenAction action = ScreenAction.fromWireName(view.decision());
        if (action.blocksJobs()) {
            throw new InvalidRequestException(
                    param,
                    action == ScreenAction.REJECT ? "file_rejected" : "file_held",
                    "Invalid '" + param + "': file " + file.id() + " is "
                            + (action == ScreenAction.REJECT ? "rejected" : "held for operator review")
                            + " by the training-data screen (policy " + view.policyId() + " v" + view.policyVersion()
                            + "): " + why(view) + ". GET /v1/files/" + file.id() + "/screen has the report.");
        }
        return view.pinPolicies();
    }

    /**
     * Queues the screen's persona part for the file on the job's base model (once per file and base; a worker runs it
     * and the job is claimed after it has ended, docs/screening.md). Nothing for a file uploaded before screening.
     * Runs in the caller's transaction, so a job that is not created queues nothing.
     */
    public void requestPersonaScreen(Tenant tenant, UploadedFile file, String baseModel) {
        screens.requestPersona(file.id(), tenant.organizationId(), baseModel);
    }

    /** The blocking reasons, or the operator's when an operator rejected the file. */
    private static String why(ScreenView view) {
        if (view.review() != null && "reject".equals(view.review().action())) {
            return "rejected by an operator on review: " + view.review().reason();
        }
        return view.explainBlocking();
    }

    /** The report stored at upload; empty for files uploaded before reports were kept. */
    @Transactional(readOnly = true)
    public Optional<Validation> storedValidation(Tenant tenant, UploadedFile file) {
        return reports.find(file.id(), tenant.organizationId());
    }

    /** Keeps a report computed later (by a dry run) for a file that had none. */
    @Transactional
    public void storeValidation(Tenant tenant, UploadedFile file, Validation validation) {
        reports.save(file.id(), tenant.organizationId(), validation);
    }

    /**
     * A page of the tenant's files: of {@code purpose} (null: any), in {@code order} of creation, starting after the
     * file {@code after} (null: from the first).
     */
    @Transactional(readOnly = true)
    public ListObject<FileObject> list(Tenant tenant, String purpose, String order, String after, PageLimit limit) {
        ListOrder direction = ListOrder.parse(order);
        UploadedFile anchor = after == null
                ? null
                : files.findByIdAndOrganizationId(after, tenant.organizationId())
                        .orElseThrow(() ->
                                new InvalidRequestException("after", "invalid_value", "No such File object: " + after));
        return ListObject.page(
                listing.page(tenant.organizationId(), purpose, anchor, direction, limit.fetchSize()),
                limit,
                FileObject::of);
    }

    @Transactional(readOnly = true)
    public UploadedFile get(Tenant tenant, String id) {
        return files.findByIdAndOrganizationId(id, tenant.organizationId()).orElseThrow(() -> notFound(id));
    }

    /**
     * The file for a job being created, locked against deletion until that job's transaction ends. Must run inside
     * the caller's transaction.
     */
    @Transactional(readOnly = true)
    public Optional<UploadedFile> lockForUse(Tenant tenant, String id) {
        return files.findForUseByIdAndOrganizationId(id, tenant.organizationId());
    }

    /** Deletes the row, then (after commit) the bytes; refused while an unfinished job uses the file. */
    public FileDeleted delete(Tenant tenant, String id) throws IOException {
        Path stored = transactions.execute(status -> {
            UploadedFile file = files.findForDeleteByIdAndOrganizationId(id, tenant.organizationId())
                    .orElseThrow(() -> notFound(id));
            files.findJobUsingFileByOrganizationId(id, tenant.organizationId(), ACTIVE_JOB_STATUSES)
                    .ifPresent(job -> {
                        throw new ConflictException(
                                "file_in_use",
                                "id",
                                "File " + id + " is used by fine-tuning job " + job
                                        + ", which has not finished; cancel the job or wait for it to end.");
                    });
            files.delete(file);
            return file.storagePath();
        });
        Files.deleteIfExists(stored);
        return FileDeleted.of(id);
    }

    private static NotFoundException notFound(String id) {
        return new NotFoundException("id", "No such File object: " + id);
    }

    private static String filenameOf(String submitted) {
        // Some clients send a full path; the name is metadata only and never part of a storage path.
        String name = StringUtils.getFilename(submitted);
        return name == null || name.isBlank() ? "upload.jsonl" : name;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
