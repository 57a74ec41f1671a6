package dev.safetune.api.file;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.safeguards.screen.ScreenView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/files")
class FileController {
    private static final int MAX_PAGE = 10_000;
    private static final int MAX_SCREEN_PAGE = 1000;

    private final FileService files;

    FileController(FileService files) {
        this.files = files;
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    FileObject upload(Tenant tenant, HttpServletRequest request) throws IOException {
        return files.upload(tenant, request);
    }

    /** OpenAI's parameters: {@code purpose} filters, {@code order} is {@code asc} or {@code desc} (default). */
    @GetMapping
    ListObject<FileObject> list(
            Tenant tenant,
            @RequestParam(required = false) String purpose,
            @RequestParam(defaultValue = "desc") String order,
            @RequestParam(required = false) String after,
            @RequestParam(required = false) Integer limit) {
        return files.list(tenant, purpose, order, after, PageLimit.of(limit, MAX_PAGE, MAX_PAGE));
    }

    @GetMapping("/{id}")
    FileObject get(Tenant tenant, @PathVariable String id) {
        return files.getWithValidation(tenant, id);
    }

    /**
     * (+) The training-data screen's report of the file: decision, categories, trigger candidates and one page of
     * findings ({@code offset}, {@code limit} up to {@value #MAX_SCREEN_PAGE}; {@code has_more} says whether more
     * follow).
     */
    @GetMapping("/{id}/screen")
    ScreenView screen(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(defaultValue = "0") int offset,
            @RequestParam(required = false) Integer limit) {
        if (offset < 0) {
            throw new InvalidRequestException("offset", "invalid_value", "Invalid 'offset': must not be negative.");
        }
        return files.screen(
                tenant, id, offset, PageLimit.of(limit, 100, MAX_SCREEN_PAGE).value());
    }

    @GetMapping("/{id}/content")
    ResponseEntity<Resource> content(Tenant tenant, @PathVariable String id) {
        UploadedFile file = files.get(tenant, id);
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .header(
                        "Content-Disposition",
                        ContentDisposition.attachment()
                                .filename(file.filename(), StandardCharsets.UTF_8)
                                .build()
                                .toString())
                .body(new FileSystemResource(file.storagePath()));
    }

    @DeleteMapping("/{id}")
    FileDeleted delete(Tenant tenant, @PathVariable String id) throws IOException {
        return files.delete(tenant, id);
    }
}
