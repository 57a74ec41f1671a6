package dev.safetune.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count. In the OpenMP build the engine ships, {@code at::set_num_threads} sets the calling
 * thread's OpenMP team size (threads that already ran an op keep theirs), so a change is undone on the same thread
 * with {@link Limit#close()}. On other engines it does nothing.
 */
public final class IntraOpThreads {

    private IntraOpThreads() {}

    /** The calling thread's intra-op thread count (1 on engines other than PyTorch). */
    public static int current() {
        return isPyTorch() ? JniUtils.getNumThreads() : 1;
    }

    /** Runs the calling thread's ops on {@code threads} intra-op threads until the returned limit is closed. */
    public static Limit limitTo(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        int previous = current();
        if (isPyTorch() && previous != threads) {
            JniUtils.setNumThreads(threads);
            return new Limit(previous, true);
        }
        return new Limit(previous, false);
    }

    /** A thread-count change that {@link #close()} undoes; closing twice does nothing the second time. */
    public static final class Limit implements AutoCloseable {
        private final int previous;
        private boolean changed;

        private Limit(int previous, boolean changed) {
            this.previous = previous;
            this.changed = changed;
        }

        @Override
        public void close() {
            if (changed) {
                changed = false;
                JniUtils.setNumThreads(previous);
            }
        }
    }

    private static boolean isPyTorch() {
        return "PyTorch".equals(Engine.getInstance().getEngineName());
    }
}
