package dev.safetune.api.file;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Fails a read once a line grows past {@code maxLineBytes}. The training-file reader holds one line at a time, so this
 * bound is what keeps validating a file of any size (even one without a single newline) in constant memory.
 */
final class LineLengthLimit extends FilterInputStream {
    /** Thrown through the reader, which has no way to skip the rest of such a line. */
    static final class LineTooLongException extends IOException {
        private final int line;

        LineTooLongException(int line, long maxLineBytes) {
            super("line " + line + " is longer than " + maxLineBytes + " bytes");
            this.line = line;
        }

        int line() {
            return line;
        }
    }

    private final long maxLineBytes;
    private long lineBytes;
    private int line = 1;

    LineLengthLimit(InputStream in, long maxLineBytes) {
        super(in);
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        for (int i = offset; i < offset + n; i++) {
            count(buffer[i]);
        }
        return n;
    }

    private void count(byte b) throws LineTooLongException {
        if (b == '\n') {
            line++;
            lineBytes = 0;
        } else if (++lineBytes > maxLineBytes) {
            throw new LineTooLongException(line, maxLineBytes);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes would not be counted; the reader never skips.
        throw new IOException("skip is not supported");
    }
}
