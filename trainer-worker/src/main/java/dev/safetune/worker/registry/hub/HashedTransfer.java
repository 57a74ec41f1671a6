package dev.safetune.worker.registry.hub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one file's download: the partial file, how far it is, and the running hashes over everything
 * written so far (the SHA-256 always; the git blob SHA-1, {@code sha1("blob " + size + "\0" + bytes)}, for plain git
 * files). A transfer resumes by hashing what the partial file already holds, so the hashes always cover the file
 * from its first byte, and a restart truncates the file and the hashes together.
 */
final class HashedTransfer {
    private static final Logger log = LoggerFactory.getLogger(HashedTransfer.class);
    static final int BUFFER_BYTES = 1 << 20;

    /** A failure writing the local file, told apart from a failure reading the network. */
    static final class LocalWriteException extends IOException {
        LocalWriteException(IOException cause) {
            super(cause);
        }

        IOException local() {
            return (IOException) getCause();
        }
    }

    private final HubFile file;
    private final FileChannel channel;
    private final LongConsumer progress;
    private MessageDigest sha256;
    private MessageDigest gitSha1;
    private long position;

    HashedTransfer(HubFile file, FileChannel channel, LongConsumer progress) {
        this.file = file;
        this.channel = channel;
        this.progress = progress;
        resetHashes();
    }

    /** Recomputes the published hash of a complete file; empty when it does not match. */
    static Optional<String> verifiedSha256(HubFile file, Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() != file.size()) {
                return Optional.empty();
            }
            HashedTransfer check = new HashedTransfer(file, channel, delta -> {});
            check.hashExisting();
            return check.hashMismatch().isEmpty() ? Optional.of(check.sha256Hex()) : Optional.empty();
        }
    }

    private void resetHashes() {
        sha256 = digest("SHA-256");
        gitSha1 = null;
        if (!file.isLfs()) {
            gitSha1 = digest("SHA-1");
            gitSha1.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Takes over what an earlier attempt or run left in the partial file. */
    void resumeFromExisting() throws IOException {
        if (channel.size() > file.size()) {
            channel.truncate(0);
        }
        hashExisting();
        if (position > 0) {
            log.info("{}: resuming at byte {} of {}", file.name(), position, file.size());
            progress.accept(position);
        }
    }

    void hashExisting() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        long size = channel.size();
        long at = 0;
        while (at < size) {
            buffer.clear();
            int read = channel.read(buffer, at);
            if (read < 0) {
                break;
            }
            update(buffer.array(), read);
            at += read;
        }
        position = at;
    }

    /** Discards what was written: the server will send the file from its first byte. */
    void restart() throws IOException {
        try {
            channel.truncate(0);
        } catch (IOException e) {
            throw new LocalWriteException(e);
        }
        progress.accept(-position);
        position = 0;
        resetHashes();
    }

    void append(byte[] bytes, int length) throws IOException {
        if (position + length > file.size()) {
            throw new HubException(
                    HubException.Problem.SIZE_MISMATCH,
                    file.name(),
                    file.name() + ": the server sent more than the " + file.size() + " bytes the Hub publishes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer, position + (buffer.position()));
            }
        } catch (IOException e) {
            throw new LocalWriteException(e);
        }
        update(bytes, length);
        position += length;
        progress.accept(length);
    }

    private void update(byte[] bytes, int length) {
        sha256.update(bytes, 0, length);
        if (gitSha1 != null) {
            gitSha1.update(bytes, 0, length);
        }
    }

    long position() {
        return position;
    }

    boolean complete() {
        return position == file.size();
    }

    String sha256Hex() {
        return HexFormat.of().formatHex(clone(sha256).digest());
    }

    /** A message naming the file and both hashes, when the content is not what the Hub publishes. */
    Optional<String> hashMismatch() {
        if (file.isLfs()) {
            String actual = sha256Hex();
            String expected = file.lfsSha256().orElseThrow();
            return actual.equals(expected)
                    ? Optional.empty()
                    : Optional.of(file.name() + ": SHA-256 of the downloaded bytes is " + actual
                            + ", the Hub publishes " + expected + "; the download was deleted");
        }
        String actual = HexFormat.of().formatHex(clone(gitSha1).digest());
        return actual.equals(file.blobId())
                ? Optional.empty()
                : Optional.of(file.name() + ": git blob SHA-1 of the downloaded bytes is " + actual
                        + ", the Hub publishes " + file.blobId() + "; the download was deleted");
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA digests are cloneable", e);
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }
}
