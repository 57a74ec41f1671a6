package dev.safetune.api.error;

import dev.safetune.api.web.ApiPaths;
import dev.safetune.core.json.JsonSyntaxError;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.util.WebUtils;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * The one place that turns a failure into a response. Requests under {@code /v1} get OpenAI's error shape
 * {@code {"error":{"message","type","param","code"}}}, so official SDKs raise their usual exceptions; everything else
 * gets RFC 9457 problem details. Spring MVC's own exceptions (unknown route, wrong method, unreadable JSON, upload too
 * large...) arrive through {@link #handleExceptionInternal} with their status already decided.
 */
@RestControllerAdvice
public class ApiErrorAdvice extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiErrorAdvice.class);
    private static final String SERVER_ERROR = "The server had an error while processing your request.";

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> handleApiException(ApiException ex, WebRequest request) {
        if (isV1(request)) {
            return openAi(ex.status(), new HttpHeaders(), ex.getMessage(), ex.type(), ex.param(), ex.code());
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(ex.status(), ex.getMessage());
        problem.setProperty("code", ex.code());
        problem.setProperty("param", ex.param());
        return ResponseEntity.status(ex.status()).body(problem);
    }

    /** A malformed multipart body (as opposed to one that is too large, which Spring reports as 413). */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> handleMultipart(MultipartException ex, WebRequest request) {
        return handleExceptionInternal(ex, null, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> handleUnexpected(Exception ex, WebRequest request) {
        log.error("Unexpected error on {}", describe(request), ex);
        return handleExceptionInternal(ex, null, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(
            Exception ex, @Nullable Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        if (statusCode.is5xxServerError()) {
            // Lets observability (metrics, logs) see the exception although we answered it.
            request.setAttribute(WebUtils.ERROR_EXCEPTION_ATTRIBUTE, ex, RequestAttributes.SCOPE_REQUEST);
            // Never leak internals (SQL, paths, stack traces) to API clients.
            if (isV1(request)) {
                return openAi(statusCode, headers, SERVER_ERROR, "api_error", null, "server_error");
            }
            return createResponseEntity(
                    ProblemDetail.forStatusAndDetail(statusCode, SERVER_ERROR), headers, statusCode, request);
        }
        Refusal refusal = refusalOf(ex, body, request);
        if (isV1(request)) {
            return openAi(statusCode, headers, refusal.message(), refusal.param(), refusal.code());
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(statusCode, refusal.message());
        // Members a problem carries beyond RFC 9457's own, e.g. field-level errors[] (Spring passes an
        // ErrorResponseException's problem as the exception, not as the body).
        Object given = body != null ? body : ex instanceof ErrorResponse response ? response.getBody() : null;
        if (given instanceof ProblemDetail carried && carried.getProperties() != null) {
            carried.getProperties().forEach(problem::setProperty);
        }
        if (refusal.code() != null) {
            problem.setProperty("code", refusal.code());
        }
        if (refusal.param() != null) {
            problem.setProperty("param", refusal.param());
        }
        return createResponseEntity(problem, headers, statusCode, request);
    }

    /** What was wrong with a request Spring MVC refused, in the client's terms, for both error shapes. */
    private record Refusal(
            String message,
            @Nullable String param,
            @Nullable String code) {}

    private Refusal refusalOf(Exception ex, @Nullable Object body, WebRequest request) {
        return switch (ex) {
            case MissingServletRequestParameterException e -> missing(e.getParameterName());
            case MissingServletRequestPartException e -> missing(e.getRequestPartName());
            case TypeMismatchException e ->
                new Refusal(
                        "Invalid value for '" + e.getPropertyName() + "': '" + e.getValue() + "' is not a valid "
                                + describeType(e.getRequiredType()) + ".",
                        e.getPropertyName(),
                        "invalid_value");
            case HttpMessageNotReadableException e -> unreadableJson(e);
            case NoResourceFoundException e -> unknownUrl(request);
            case NoHandlerFoundException e -> unknownUrl(request);
            case HttpRequestMethodNotSupportedException e ->
                new Refusal("Invalid method for URL (" + describe(request) + ").", null, "method_not_allowed");
            case MaxUploadSizeExceededException e ->
                new Refusal(
                        e.getMaxUploadSize() > 0
                                ? "The upload is too large: files may be at most " + e.getMaxUploadSize() + " bytes."
                                // The container knows the limit it applied; Spring does not.
                                : "The upload is too large: "
                                        + e.getMostSpecificCause().getMessage(),
                        "file",
                        "file_too_large");
            default -> new Refusal(detailOf(ex, body), null, null);
        };
    }

    private static Refusal missing(String param) {
        InvalidRequestException missing = InvalidRequestException.missing(param);
        return new Refusal(missing.getMessage(), missing.param(), missing.code());
    }

    /**
     * A body that is not the JSON the endpoint reads: the field and the type it needs when the JSON parsed but did not
     * fit, else the syntax error with its line and column, never the parser's own message.
     */
    private static Refusal unreadableJson(HttpMessageNotReadableException ex) {
        Throwable cause = ex.getMostSpecificCause();
        // A syntax error first: Jackson also tags one met inside a field with that field's path.
        if (cause instanceof StreamReadException syntax) {
            return new Refusal(
                    "We could not parse the JSON body of your request: " + JsonSyntaxError.inDocument(syntax)
                            + ". The body must be a valid JSON object.",
                    null,
                    "invalid_json");
        }
        if (cause instanceof JacksonException json && !json.getPath().isEmpty()) {
            String param = json.getPath().stream()
                    .map(ref ->
                            ref.getPropertyName() != null ? "." + ref.getPropertyName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining())
                    .substring(1);
            String expected = json instanceof MismatchedInputException mismatch
                    ? "expected " + jsonTypeOf(mismatch.getTargetType()) + "."
                    : "the value could not be read.";
            return new Refusal("Invalid type for '" + param + "': " + expected, param, "invalid_type");
        }
        return new Refusal(
                "We could not parse the JSON body of your request. The body must be a valid JSON object.",
                null,
                "invalid_json");
    }

    private static Refusal unknownUrl(WebRequest request) {
        return new Refusal("Invalid URL (" + describe(request) + ").", null, "unknown_url");
    }

    private ResponseEntity<Object> openAi(
            HttpStatusCode status, HttpHeaders headers, String message, String param, String code) {
        return openAi(status, headers, message, "invalid_request_error", param, code);
    }

    private static ResponseEntity<Object> openAi(
            HttpStatusCode status, HttpHeaders headers, String message, String type, String param, String code) {
        HttpHeaders out = new HttpHeaders();
        out.putAll(headers);
        // Whatever the client asked to Accept (e.g. a file's bytes), an error is JSON.
        out.setContentType(MediaType.APPLICATION_JSON);
        return new ResponseEntity<>(OpenAiError.of(message, type, param, code), out, status);
    }

    private static String detailOf(Exception ex, @Nullable Object body) {
        if (body instanceof ProblemDetail problem && problem.getDetail() != null) {
            return problem.getDetail();
        }
        return ex.getMessage();
    }

    /** A Java target type in JSON's words, so messages do not expose class names. */
    private static String jsonTypeOf(@Nullable Class<?> type) {
        if (type == null) {
            return "a different type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return type == Double.class || type == double.class || type == Float.class ? "a number" : "an integer";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String describeType(@Nullable Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "integer";
        }
        return type == null ? "value" : type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static boolean isV1(WebRequest request) {
        return request instanceof ServletWebRequest servlet && ApiPaths.isV1(servlet.getRequest());
    }

    private static String describe(WebRequest request) {
        if (request instanceof ServletWebRequest servlet) {
            return servlet.getHttpMethod() + " " + servlet.getRequest().getRequestURI();
        }
        return request.getDescription(false);
    }
}
