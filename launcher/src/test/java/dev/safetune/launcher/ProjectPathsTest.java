package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository stands on its own: no committed document, source or build file points at a folder outside it (a
 * sibling checkout's notes) or at a path of one particular machine. Someone who clones the repository has neither.
 */
class ProjectPathsTest {
    /** Spelt in pieces so that this file does not name them itself. */
    private static final List<String> FORBIDDEN = List.of(
            ".." + "/shared", "shared" + "/design", "shared" + "/data", "/" + "work/", "/" + "home/", "/" + "root/");

    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", "target", ".safetune", "node_modules");

    @Test
    void noCommittedFileNamesAPathOutsideTheRepositoryOrOfOneMachine() throws Exception {
        Path root = repositoryRoot();
        List<String> offences = new ArrayList<>();
        for (Path file : projectFiles(root)) {
            byte[] bytes = Files.readAllBytes(file);
            if (isBinary(bytes)) {
                continue;
            }
            List<String> lines =
                    new String(bytes, StandardCharsets.UTF_8).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                for (String forbidden : FORBIDDEN) {
                    if (line.contains(forbidden)) {
                        offences.add(
                                root.relativize(file) + ":" + (i + 1) + " names " + forbidden + ": " + line.strip());
                    }
                }
            }
        }
        assertThat(offences)
                .as("write what a reader needs into docs/ instead, and name paths relative to the repository")
                .isEmpty();
    }

    @Test
    void theCheckSeesTheRepositorysOwnFiles() throws Exception {
        List<Path> files = projectFiles(repositoryRoot());

        assertThat(files).anyMatch(f -> f.endsWith("README.md")).anyMatch(f -> f.endsWith("docs/api.md"));
        assertThat(files).anyMatch(f -> f.endsWith("launcher/src/main/java/dev/safetune/launcher/SafeTuneCli.java"));
    }

    /** The files git tracks; where git is not available (an unpacked archive), every file outside build output. */
    private static List<Path> projectFiles(Path root) throws IOException, InterruptedException {
        try {
            Process git = new ProcessBuilder("git", "ls-files", "-z")
                    .directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] listing = git.getInputStream().readAllBytes();
            if (git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 && listing.length > 0) {
                return Arrays.stream(new String(listing, StandardCharsets.UTF_8).split("\0"))
                        .filter(name -> !name.isEmpty())
                        .map(root::resolve)
                        .filter(Files::isRegularFile)
                        .toList();
            }
        } catch (IOException gitMissing) {
            // fall through to walking the tree
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> root.relativize(f).toString().isEmpty()
                            || Arrays.stream(root.relativize(f).toString().split("/"))
                                    .noneMatch(SKIPPED_DIRECTORIES::contains))
                    .toList();
        }
    }

    private static boolean isBinary(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, 8000); i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null
                && !(Files.isRegularFile(dir.resolve("safetune")) && Files.isRegularFile(dir.resolve("mvnw")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no repository root above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
