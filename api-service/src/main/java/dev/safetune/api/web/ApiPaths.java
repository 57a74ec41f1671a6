package dev.safetune.api.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Which requests belong to the OpenAI-compatible API (they need an API key and get OpenAI-shaped errors) and which to
 * the operators' admin API.
 */
public final class ApiPaths {
    public static final String V1 = "/v1";
    public static final String V1_PATTERN = V1 + "/**";
    /** The OpenAPI document: under /v1 so SDKs find it next to the API, but served without a key. */
    public static final String OPENAPI_DOCUMENT = V1 + "/openapi.json";
    /** The operators' API (model imports, later policies and audits): admin keys, problem-detail errors. */
    public static final String ADMIN = "/admin";

    public static final String ADMIN_PATTERN = ADMIN + "/**";

    private ApiPaths() {}

    public static boolean isV1(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals(V1) || path.startsWith(V1 + "/");
    }
}
