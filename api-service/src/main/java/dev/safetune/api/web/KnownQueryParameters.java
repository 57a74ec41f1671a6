package dev.safetune.api.web;

import dev.safetune.api.error.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a query parameter the handler does not read, with a 400 naming it. Spring ignores unknown parameters, so a
 * filter the API does not implement (or a misspelt one) would silently return the unfiltered list; a client asking
 * for {@code ?purpose=batch} must not get every file back as if it had been filtered. A handler's parameters are its
 * {@code @RequestParam}s and the prefixes of its {@link QueryParameters}.
 */
public final class KnownQueryParameters implements HandlerInterceptor {
    private final Map<HandlerMethod, Accepted> accepted = new ConcurrentHashMap<>();

    private record Accepted(Set<String> names, Set<String> prefixes) {
        boolean accepts(String name) {
            return names.contains(name) || prefixes.stream().anyMatch(name::startsWith);
        }
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String query = request.getQueryString();
        if (query == null || query.isEmpty() || !(handler instanceof HandlerMethod method)) {
            return true;
        }
        Accepted known = accepted.computeIfAbsent(method, KnownQueryParameters::acceptedBy);
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (!known.accepts(name)) {
                throw new InvalidRequestException(
                        name,
                        "unknown_parameter",
                        "Unknown parameter: '" + name + "'. " + request.getMethod() + " " + request.getRequestURI()
                                + (known.names().isEmpty() && known.prefixes().isEmpty()
                                        ? " takes no query parameters."
                                        : " takes: " + describe(known) + "."));
            }
        }
        return true;
    }

    private static Accepted acceptedBy(HandlerMethod method) {
        Set<String> names = new LinkedHashSet<>();
        for (MethodParameter parameter : method.getMethodParameters()) {
            RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
            if (param != null) {
                names.add(param.name().isEmpty() ? parameter.getParameter().getName() : param.name());
            }
        }
        QueryParameters extra = method.getMethodAnnotation(QueryParameters.class);
        Set<String> prefixes = extra == null ? Set.of() : Set.of(extra.prefixes());
        return new Accepted(names, prefixes);
    }

    private static String describe(Accepted known) {
        return String.join(
                ", ",
                Stream.concat(known.names().stream(), known.prefixes().stream().map(p -> p + "…"))
                        .toList());
    }
}
