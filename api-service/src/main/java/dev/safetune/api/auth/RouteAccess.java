package dev.safetune.api.auth;

import static dev.safetune.api.auth.ApiKeyService.ADMIN_ROLE;
import static dev.safetune.api.auth.ApiKeyService.MEMBER_ROLE;
import static dev.safetune.api.auth.ApiKeyService.SAFETY_ROLE;

import dev.safetune.api.web.ApiPaths;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one table of which key roles may call which routes. Roles are separate duties, not levels: an admin key is not
 * a super-member, so a leaked operator key cannot act as a customer and a customer key cannot act as an operator.
 *
 * <table>
 *   <caption>Roles per route</caption>
 *   <tr><th>route</th><th>member</th><th>admin</th><th>safety</th></tr>
 *   <tr><td>{@code /v1/**} (except the OpenAPI document)</td><td>yes</td><td>no</td><td>no</td></tr>
 *   <tr><td>{@code GET /admin/models/imports[/{id}]}</td><td>no</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@code GET /admin/safety-policies/**}</td><td>no</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>any other method on {@code /admin/safety-policies/**}</td><td>no</td><td>no</td><td>yes</td></tr>
 *   <tr><td>{@code /admin/files/**} (held files; {@code POST …/{id}/screen/release|reject})</td><td>no</td><td>yes</td>
 *       <td>no</td></tr>
 *   <tr><td>every other {@code /admin/**}</td><td>no</td><td>yes</td><td>no</td></tr>
 *   <tr><td>{@code /actuator/**} except health</td><td>no</td><td>yes</td><td>no</td></tr>
 * </table>
 *
 * <p>The safety team reads imports because a new base model is what its policies will be calibrated on; changing
 * what is imported stays an operator's decision. Safety policies are the safety team's alone to write (versions and
 * the default); operators read them, to see what a customer's job ran under, but cannot weaken them. Releasing or
 * rejecting a file the data screen held is an operator's review (with a written reason, logged), not the safety
 * team's: the safety team sets the thresholds, operators judge the individual file, so neither alone can both loosen
 * a rule and wave a file through.
 */
final class RouteAccess {
    static final String ACTUATOR = "/actuator";
    private static final String IMPORTS = ApiPaths.ADMIN + "/models/imports";
    private static final String SAFETY_POLICIES = ApiPaths.ADMIN + "/safety-policies";
    private static final String FILES = ApiPaths.ADMIN + "/files";

    private RouteAccess() {}

    /**
     * The roles that may call a request seen as each of {@code paths} (e.g. the path Spring MVC routes on and the
     * container's normalised servlet path): a key must satisfy every view that is guarded, so a spelling that one view
     * reads as public and the other as guarded is guarded. Empty when every view is public.
     */
    static Optional<Set<String>> rolesFor(String method, List<String> paths) {
        Set<String> allowed = null;
        for (String path : paths) {
            Optional<Set<String>> roles = rolesFor(method, path);
            if (roles.isPresent()) {
                allowed = allowed == null ? new HashSet<>(roles.get()) : allowed;
                allowed.retainAll(roles.get());
            }
        }
        return Optional.ofNullable(allowed).map(Set::copyOf);
    }

    /** The roles that may call {@code method path}, or empty for a public route that needs no key. */
    static Optional<Set<String>> rolesFor(String method, String path) {
        if (path.equals(ApiPaths.OPENAPI_DOCUMENT)) {
            return Optional.empty();
        }
        if (under(path, ApiPaths.V1)) {
            return Optional.of(Set.of(MEMBER_ROLE));
        }
        if (under(path, IMPORTS) && isRead(method)) {
            return Optional.of(Set.of(ADMIN_ROLE, SAFETY_ROLE));
        }
        if (under(path, SAFETY_POLICIES)) {
            return Optional.of(isRead(method) ? Set.of(ADMIN_ROLE, SAFETY_ROLE) : Set.of(SAFETY_ROLE));
        }
        if (under(path, FILES)) {
            return Optional.of(Set.of(ADMIN_ROLE)); // screen reviews: operators only, never the safety team
        }
        if (under(path, ApiPaths.ADMIN)) {
            return Optional.of(Set.of(ADMIN_ROLE));
        }
        if (under(path, ACTUATOR) && !under(path, ACTUATOR + "/health")) {
            return Optional.of(Set.of(ADMIN_ROLE));
        }
        return Optional.empty();
    }

    private static boolean isRead(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
