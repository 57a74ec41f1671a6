package dev.safetune.launcher;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for training steps or transferred bytes. On a terminal it redraws in place; otherwise (CI,
 * pipes) it prints a line at every tenth of the way so logs stay short.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean interactive;
    private int lastDecile = -1;
    private boolean drawn;

    ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    void update(int step, int total, double trainLoss, Double validLoss, double tokensPerSecond) {
        double fraction = total <= 0 ? 0 : Math.min(1.0, (double) step / total);
        draw(
                fraction,
                String.format(
                        Locale.ROOT,
                        "step %d/%d  loss %.3f%s  %,.0f tok/s",
                        step,
                        total,
                        trainLoss,
                        validLoss == null ? "" : String.format(Locale.ROOT, "  valid %.3f", validLoss),
                        tokensPerSecond));
    }

    /** A transfer: bytes done of the total, and the rate. */
    void transfer(long done, long total, double bytesPerSecond) {
        double fraction = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
        draw(fraction, bytes(done) + " / " + bytes(total) + "  " + bytes((long) bytesPerSecond) + "/s");
    }

    static String bytes(long count) {
        if (count < 1024) {
            return count + " B";
        }
        String units = "KMGTP";
        int unit = Math.min(units.length(), (int) (Math.log(count) / Math.log(1024)));
        return String.format(Locale.ROOT, "%.1f %siB", count / Math.pow(1024, unit), units.charAt(unit - 1));
    }

    private void draw(double fraction, String detail) {
        int filled = (int) Math.round(fraction * WIDTH);
        String line = String.format(
                Locale.ROOT,
                "[%s%s] %3.0f%% %s",
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                fraction * 100,
                detail);
        if (interactive) {
            out.print("\r" + line);
            out.flush();
            drawn = true;
        } else {
            int decile = (int) (fraction * 10);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(line);
            }
        }
    }

    /** Prints a message above the bar without garbling it. */
    void message(String text) {
        if (interactive && drawn) {
            out.print("\r" + " ".repeat(WIDTH + 70) + "\r");
        }
        out.println(text);
    }

    void finish() {
        if (interactive && drawn) {
            out.println();
        }
    }
}
