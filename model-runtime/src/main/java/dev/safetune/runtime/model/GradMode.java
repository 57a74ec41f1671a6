package dev.safetune.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** PyTorch's autograd recording switch, which is per thread. */
public final class GradMode {

    private GradMode() {}

    /**
     * Switches recording off on the calling thread. DJL switches it off only on the thread that started the engine
     * (and a closed GradientCollector restores the mode it found), so any other thread that runs inference or updates
     * parameters in place (which PyTorch refuses while recording) must call this first.
     */
    public static void disableOnThisThread() {
        if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
            JniUtils.setGradMode(false);
        }
    }

    /** Whether autograd records operations on the calling thread (always false on engines other than PyTorch). */
    public static boolean isRecording() {
        return "PyTorch".equals(Engine.getInstance().getEngineName()) && JniUtils.isGradMode();
    }
}
