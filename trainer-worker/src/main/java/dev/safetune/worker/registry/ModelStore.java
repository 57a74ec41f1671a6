package dev.safetune.worker.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The content-addressed store of base models under {@code <artifacts>/models}:
 *
 * <pre>
 *   blobs/sha256/&lt;sha256&gt;         each file's bytes, once, read-only
 *   snapshots/&lt;content digest&gt;/    a model directory: one relative symlink per file, to its blob
 *   staging/&lt;random&gt;/              a model directory being assembled and validated
 *   downloads/                       partial (&lt;key&gt;.incomplete) and verified downloads not yet in blobs/
 * </pre>
 *
 * A snapshot is assembled in {@code staging/} and renamed into {@code snapshots/} in one atomic step, only after it
 * was validated: a snapshot that exists is complete and valid, and nothing else ever appears there. Snapshots are
 * never changed or deleted by an import, so a fine-tuned adapter that records its base model's path keeps loading
 * exactly the bytes it was trained on, even after the id is re-imported with other content. The same bytes
 * imported twice (another id, another revision with the same files) share blobs, and the same model shares its
 * snapshot. Links are relative, as in the Hugging Face cache, so the store can be moved or mounted elsewhere whole.
 */
public final class ModelStore {
    static final String BLOBS = "blobs/sha256";
    static final String SNAPSHOTS = "snapshots";
    /** A staging directory untouched for this long belongs to an import that was killed. */
    static final Duration ABANDONED_AFTER = Duration.ofDays(2);

    private final Path root;

    /** The store under {@code artifactsDir/models}. */
    public ModelStore(Path artifactsDir) {
        this.root = artifactsDir.toAbsolutePath().normalize().resolve("models");
    }

    public Path root() {
        return root;
    }

    /** Where partial and verified downloads wait. */
    public Path downloads() {
        return root.resolve("downloads");
    }

    public Path blob(String sha256) {
        return root.resolve(BLOBS).resolve(sha256);
    }

    /** The model directory of a content digest (whether or not it exists). */
    public Path snapshot(String contentDigest) {
        return root.resolve(SNAPSHOTS).resolve(contentDigest);
    }

    /** Whether the blob of {@code sha256} is present with {@code size} bytes. */
    public boolean hasBlob(String sha256, long size) {
        Path blob = blob(sha256);
        try {
            return Files.isRegularFile(blob) && Files.size(blob) == size;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the snapshot of {@code contentDigest} exists with every link resolving to a blob, i.e. is usable as
     * it stands.
     */
    public boolean hasIntactSnapshot(String contentDigest) {
        Path dir = snapshot(contentDigest);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.allMatch(Files::isRegularFile);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Moves a verified file into {@code blobs/} under its SHA-256 (or drops it when the blob is already there) and
     * makes the blob read-only.
     */
    public Path adopt(Path verified, String sha256) throws IOException {
        Path blob = blob(sha256);
        Files.createDirectories(blob.getParent());
        if (Files.isRegularFile(blob) && Files.size(blob) == Files.size(verified)) {
            Files.delete(verified);
            return blob;
        }
        Files.setPosixFilePermissions(verified, PosixFilePermissions.fromString("r--r--r--"));
        try {
            Files.move(verified, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // downloads/ and blobs/ are siblings, so this only happens when an operator mounted them apart.
            Files.move(verified, blob, StandardCopyOption.REPLACE_EXISTING);
        }
        return blob;
    }

    /**
     * Copies a local file into {@code blobs/}, hashing it on the way.
     *
     * @param bytes receives the bytes copied, as they are copied
     */
    public ModelFile copyIn(Path source, String name, LongConsumer bytes) throws IOException {
        Files.createDirectories(downloads());
        Path temporary = downloads().resolve("copy-" + UUID.randomUUID() + ".incomplete");
        MessageDigest sha256 = ContentDigest.sha256();
        long size = 0;
        try {
            try (InputStream in = new DigestInputStream(Files.newInputStream(source), sha256);
                    OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW)) {
                byte[] buffer = new byte[1 << 20];
                int read;
                while ((read = in.read(buffer)) > 0) {
                    out.write(buffer, 0, read);
                    size += read;
                    bytes.accept(read);
                }
            }
            force(temporary);
            String hex = HexFormat.of().formatHex(sha256.digest());
            adopt(temporary, hex);
            return new ModelFile(name, size, hex);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Bytes free for this store on its file system. */
    public long usableSpace() throws IOException {
        Files.createDirectories(root);
        return Files.getFileStore(root).getUsableSpace();
    }

    /**
     * Starts assembling a model directory. Staging directories a killed import left behind (older than
     * {@link #ABANDONED_AFTER}; a running import's is younger) are removed first.
     */
    public Staging stage() throws IOException {
        Path staging = root.resolve("staging");
        Files.createDirectories(staging);
        Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path old : entries.toList()) {
                if (Files.getLastModifiedTime(old, LinkOption.NOFOLLOW_LINKS)
                        .toInstant()
                        .isBefore(cutoff)) {
                    deleteRecursively(old);
                }
            }
        }
        return new Staging(
                Files.createDirectory(staging.resolve(UUID.randomUUID().toString())));
    }

    /** A model directory being assembled: links to blobs, then {@link #publish} or (on failure) deletion. */
    public final class Staging implements AutoCloseable {
        private final Path dir;
        private boolean published;

        private Staging(Path dir) {
            this.dir = dir;
        }

        public Path dir() {
            return dir;
        }

        /** Adds {@code name} as a relative link to the blob of {@code sha256}, which must be in the store. */
        public void link(String name, String sha256) throws IOException {
            Path link = dir.resolve(name);
            if (!link.getParent().equals(dir)) {
                throw new IllegalArgumentException("model files live at the top level, got " + name);
            }
            // staging/<x>/<name> and snapshots/<digest>/<name> are at the same depth, so one relative target serves
            // both before and after the rename.
            Files.createSymbolicLink(link, dir.relativize(blob(sha256)));
        }

        /**
         * Renames this directory to {@code snapshots/<contentDigest>} atomically. When that snapshot exists already
         * (the same content, imported before or concurrently) it is kept and this directory is discarded; a snapshot
         * with a dangling link (a blob deleted by hand) is replaced.
         */
        public Path publish(String contentDigest) throws IOException {
            Path target = snapshot(contentDigest);
            Files.createDirectories(target.getParent());
            if (Files.isDirectory(target) && !hasIntactSnapshot(contentDigest)) {
                deleteRecursively(target);
            }
            if (Files.isDirectory(target)) {
                deleteRecursively(dir);
            } else {
                try {
                    Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
                    forceDirectory(target.getParent());
                } catch (FileSystemException e) {
                    // Another import published the same content in between ("Directory not empty"): keep theirs.
                    if (!Files.isDirectory(target)) {
                        throw e;
                    }
                    deleteRecursively(dir);
                }
            }
            published = true;
            return target;
        }

        /** Deletes the directory unless it was published. */
        @Override
        public void close() throws IOException {
            if (!published) {
                deleteRecursively(dir);
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void forceDirectory(Path dir) {
        // Makes the rename durable; not every file system lets a directory be opened for this, and then the rename
        // is as durable as that file system makes it.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // best effort, see above
        }
    }
}
