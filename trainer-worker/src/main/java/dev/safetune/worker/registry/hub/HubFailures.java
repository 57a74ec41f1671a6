package dev.safetune.worker.registry.hub;

import java.net.http.HttpHeaders;

/**
 * What a failed Hub answer means, as {@code huggingface_hub}'s {@code hf_raise_for_status} reads it: the
 * {@code X-Error-Code} header ({@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound},
 * {@code GatedRepo}) first, then the status; a 401 without a code is how the Hub hides a private repository. The
 * messages say what to do about it (set {@code HF_TOKEN}, request access), never the token itself.
 */
final class HubFailures {
    private HubFailures() {}

    /** Maps a failed answer as huggingface_hub's hf_raise_for_status does. */
    static HubException of(
            HubSettings settings, int status, HttpHeaders headers, String repoId, String revision, String file) {
        String errorCode = headers.firstValue("X-Error-Code").orElse("");
        String errorMessage = headers.firstValue("X-Error-Message").orElse("");
        String repo = "hf:" + repoId;
        boolean hasToken = settings.token().isPresent();
        return switch (errorCode) {
            case "RevisionNotFound" ->
                new HubException(
                        HubException.Problem.REVISION_NOT_FOUND,
                        null,
                        "revision \"" + revision + "\" not found in " + repo + " (HTTP " + status + ")");
            case "EntryNotFound" ->
                new HubException(
                        HubException.Problem.ENTRY_NOT_FOUND,
                        file,
                        file + " not found in " + repo + " at " + revision + " (HTTP " + status + ")");
            case "GatedRepo" ->
                new HubException(
                        HubException.Problem.GATED,
                        file,
                        hasToken
                                ? repo + " is gated and HF_TOKEN's account has no access to it yet: request access at "
                                        + settings.endpoint() + "/" + repoId + " (HTTP " + status + ")"
                                : repo + " is gated: set HF_TOKEN to a token of an account granted access at "
                                        + settings.endpoint() + "/" + repoId + " (HTTP " + status + ")");
            default -> {
                if (errorCode.equals("RepoNotFound")
                        || (status == 401 && !errorMessage.equals("Invalid credentials in Authorization header"))) {
                    yield new HubException(
                            HubException.Problem.REPO_NOT_FOUND,
                            null,
                            repo + " not found on " + settings.endpoint() + " (HTTP " + status + ")"
                                    + (hasToken
                                            ? "; if it is private, HF_TOKEN's account cannot see it"
                                            : "; if it is private or gated, set HF_TOKEN"));
                }
                if (status == 401 || status == 403) {
                    yield new HubException(
                            HubException.Problem.ACCESS_DENIED,
                            file,
                            "the Hub refused access to " + repo + (file == null ? "" : " file " + file) + " (HTTP "
                                    + status + (errorMessage.isEmpty() ? "" : ": " + errorMessage) + ")"
                                    + (hasToken ? "; check HF_TOKEN" : ""));
                }
                if (status == 404) {
                    yield file == null
                            ? new HubException(
                                    HubException.Problem.REPO_NOT_FOUND,
                                    null,
                                    repo + " not found on " + settings.endpoint() + " (HTTP 404)")
                            : new HubException(
                                    HubException.Problem.ENTRY_NOT_FOUND,
                                    file,
                                    file + " not found in " + repo + " (HTTP 404)");
                }
                yield new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file,
                        "the Hub answered HTTP " + status + " for " + repo + (file == null ? "" : " file " + file)
                                + (errorMessage.isEmpty() ? "" : ": " + errorMessage));
            }
        };
    }
}
