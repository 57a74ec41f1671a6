package dev.safetune.api.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Tees an upload: whatever the validator reads is also written to storage and hashed, so a file of any size is
 * stored, hashed and validated in one pass and constant memory. {@link #close()} leaves both streams open: the
 * validator closes what it reads, and the upload must still {@link #drain()} what the validator did not need.
 */
final class CopyingInputStream extends InputStream {
    private final InputStream source;
    private final OutputStream copy;
    private final MessageDigest digest;
    private long bytes;

    CopyingInputStream(InputStream source, OutputStream copy, MessageDigest digest) {
        this.source = source;
        this.copy = copy;
        this.digest = digest;
    }

    @Override
    public int read() throws IOException {
        int b = source.read();
        if (b >= 0) {
            copy.write(b);
            digest.update((byte) b);
            bytes++;
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = source.read(buffer, offset, length);
        if (n > 0) {
            copy.write(buffer, offset, n);
            digest.update(buffer, offset, n);
            bytes += n;
        }
        return n;
    }

    /** Reads (and so copies) whatever is left, e.g. after the validator stopped at a decoding error. */
    void drain() throws IOException {
        byte[] buffer = new byte[1 << 16];
        while (read(buffer, 0, buffer.length) >= 0) {
            // copying happens in read
        }
    }

    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        // Deliberately empty: the upload owns both streams.
    }
}
