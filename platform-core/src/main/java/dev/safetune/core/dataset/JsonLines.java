package dev.safetune.core.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Splits a JSON Lines stream into numbered lines at the byte level, so every problem (bad UTF-8, a line too long)
 * belongs to the line whose bytes hold it and the count goes on past it. Lines end at {@code \n}; a {@code \r} before
 * it is dropped (CRLF files); a bare {@code \r} is not a line end (JSON Lines separates with {@code \n} only). A
 * UTF-8 byte-order mark before the first line is dropped.
 *
 * <p>Decoding per line rather than per stream is what makes the line of a bad byte exact: a stream decoder fails
 * for the whole buffer it read ahead. {@code \n} (0x0A) never occurs inside a multi-byte UTF-8 sequence, so splitting
 * before decoding cuts no character.
 *
 * <p>Memory is bounded by {@code maxLineBytes}: the rest of a longer line is read and dropped, and the line is
 * reported as too long.
 */
final class JsonLines {
    /** One line: its 1-based number, and either its text or why it could not be read. */
    record Line(int number, String text, String unreadable) {
        boolean readable() {
            return unreadable == null;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[1 << 12];
    private int length;
    private boolean tooLong;
    private int number;
    private final CharsetDecoder strict = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    JsonLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** Lines returned so far: after the last one, the file's line count. */
    int lines() {
        return number;
    }

    /** The next line, or null at the end of the stream. */
    Line next() throws IOException {
        length = 0;
        tooLong = false;
        boolean any = false;
        while (true) {
            if (position == limit) {
                int n = in.read(buffer, 0, buffer.length);
                position = 0;
                limit = Math.max(n, 0);
                if (n < 0) {
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            int newline = indexOfNewline(position, limit);
            int end = newline < 0 ? limit : newline;
            append(position, end);
            position = newline < 0 ? limit : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        number++;
        if (tooLong) {
            return new Line(number, null, "is longer than " + maxLineBytes + " bytes");
        }
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        int start = number == 1 && startsWithByteOrderMark(end) ? 3 : 0;
        String text = new String(line, start, end - start, StandardCharsets.UTF_8);
        // The lenient decode above is the fast path; a replacement character means the bytes may be bad (or the
        // text may hold a real U+FFFD), which only the strict decoder can tell, and where.
        if (text.indexOf('\uFFFD') >= 0) {
            String bad = firstMalformed(start, end);
            if (bad != null) {
                return new Line(number, null, bad);
            }
        }
        return new Line(number, text, null);
    }

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void append(int from, int to) {
        int count = to - from;
        if (tooLong || length + count > maxLineBytes) {
            tooLong = true;
            return;
        }
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(buffer, from, line, length, count);
        length += count;
    }

    private boolean startsWithByteOrderMark(int end) {
        return end >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF;
    }

    /** Why the bytes are not UTF-8, naming the first bad byte and its 1-based position in the line; else null. */
    private String firstMalformed(int start, int end) {
        ByteBuffer bytes = ByteBuffer.wrap(line, start, end - start);
        CharBuffer chars = CharBuffer.allocate(end - start);
        strict.reset();
        CoderResult result = strict.decode(bytes, chars, true);
        if (!result.isError()) {
            result = strict.flush(chars);
        }
        if (!result.isError()) {
            return null;
        }
        int at = bytes.position();
        return String.format(
                Locale.ROOT,
                "invalid UTF-8: byte 0x%02X at byte %d of the line does not start or continue a character",
                line[at] & 0xFF,
                at + 1);
    }
}
