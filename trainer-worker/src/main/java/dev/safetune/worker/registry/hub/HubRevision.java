package dev.safetune.worker.registry.hub;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A repository revision resolved to a commit, with its files.
 *
 * @param repoId e.g. {@code Qwen/Qwen2.5-0.5B-Instruct}
 * @param revision what was asked for (branch, tag or commit)
 * @param commit the 40-hex commit it resolved to ({@code sha}); downloads name this commit, so a branch moving
 *     during an import cannot mix files of two commits
 * @param files every file of the commit ({@code siblings})
 * @param licence the model card's {@code license} ({@code license_name} when that is {@code other}), if any
 * @param gated whether the repository is gated ({@code gated} is {@code "auto"} or {@code "manual"})
 */
public record HubRevision(
        String repoId, String revision, String commit, List<HubFile> files, Optional<String> licence, boolean gated) {

    public HubRevision {
        Objects.requireNonNull(repoId, "repoId");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(commit, "commit");
        files = List.copyOf(files);
        Objects.requireNonNull(licence, "licence");
    }

    public Optional<HubFile> file(String name) {
        return files.stream().filter(f -> f.name().equals(name)).findFirst();
    }
}
