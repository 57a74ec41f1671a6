package dev.safetune.worker.registry.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the Hub's answer to {@code GET /api/models/{repo}/revision/{revision}?blobs=true}: the commit ({@code sha}),
 * the files ({@code siblings[].rfilename, size, blobId, lfs.sha256, lfs.size}), the model card's licence
 * ({@code cardData.license}, or {@code license_name} for "other") and whether the repository is gated.
 */
final class RevisionListing {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private RevisionListing() {}

    static HubRevision parse(String repoId, String revision, byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new HubException(
                    HubException.Problem.BAD_RESPONSE, null, "the Hub's answer for hf:" + repoId + " is not JSON", e);
        }
        String commit = json.path("sha").asString("");
        if (!COMMIT.matcher(commit).matches()) {
            throw new HubException(
                    HubException.Problem.BAD_RESPONSE,
                    null,
                    "the Hub's answer for hf:" + repoId + "@" + revision + " has no commit sha");
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode sibling : json.path("siblings").values()) {
            String name = sibling.path("rfilename").asString("");
            if (name.isEmpty()) {
                continue;
            }
            JsonNode lfs = sibling.path("lfs");
            Optional<String> sha256 = lfs.isObject()
                    ? Optional.of(lfs.path("sha256").asString("")).filter(s -> s.matches("[0-9a-f]{64}"))
                    : Optional.empty();
            long size = lfs.isObject() && lfs.has("size")
                    ? lfs.path("size").asLong(-1)
                    : sibling.path("size").asLong(-1);
            String blobId = sibling.path("blobId").asString("");
            if (lfs.isObject() && sha256.isEmpty()) {
                // An LFS entry without its SHA-256 cannot be verified; download() refuses it by the empty blob id.
                blobId = "";
            }
            files.add(new HubFile(name, size, blobId, sha256));
        }
        return new HubRevision(repoId, revision, commit, files, licence(json.path("cardData")), gated(json));
    }

    private static Optional<String> licence(JsonNode card) {
        JsonNode license = card.path("license");
        String value;
        if (license.isArray()) {
            List<String> names = new ArrayList<>();
            license.values().forEach(n -> names.add(n.asString("")));
            value = String.join(", ", names);
        } else {
            value = license.asString("");
        }
        if (value.equals("other") && card.hasNonNull("license_name")) {
            value = card.path("license_name").asString("");
        }
        return Optional.of(value.strip()).filter(s -> !s.isEmpty());
    }

    private static boolean gated(JsonNode json) {
        JsonNode gated = json.path("gated");
        return gated.isString() || gated.asBoolean(false);
    }
}
