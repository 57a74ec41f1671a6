package dev.safetune.worker.placement;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.ManagementFactory;
import java.util.Objects;
import org.springframework.util.unit.DataSize;

/**
 * What a worker offers a training run: its device and the memory a run may use there. Placement compares this with a
 * job's estimated peak ({@code fine_tuning_jobs.memory_required_bytes}, see {@code MemoryEstimate}), which counts
 * only the memory training adds once the JVM and the engine are up; so on a CPU the capacity is the physical memory
 * (the container's limit where there is one) less the JVM's maximum heap and a reserve for the JVM's other memory,
 * the engine's native libraries and the operating system. On a GPU the run's tensors live in device memory, and the
 * capacity is that memory.
 *
 * @param device {@code cpu} or the GPU, e.g. {@code gpu0}
 * @param memoryBytes the memory a run may use, positive
 */
public record WorkerCapacity(String device, long memoryBytes) {

    public static final String CPU = "cpu";

    public WorkerCapacity {
        Objects.requireNonNull(device, "device");
        if (memoryBytes <= 0) {
            throw new IllegalArgumentException("memory must be positive, got " + memoryBytes + " bytes");
        }
    }

    /**
     * The capacity of this process: the override when set ({@code safetune.worker.memory-bytes}), else detected as
     * the class comment says.
     *
     * @throws IllegalStateException when the detected memory leaves nothing for training, naming the settings
     */
    public static WorkerCapacity detect(DataSize override, DataSize reserve) {
        boolean gpu = Engine.getInstance().getGpuCount() > 0;
        String device = gpu ? "gpu" + Device.gpu().getDeviceId() : CPU;
        if (override != null) {
            if (override.toBytes() <= 0) {
                throw new IllegalStateException(
                        "safetune.worker.memory-bytes must be positive, got " + override.toBytes());
            }
            return new WorkerCapacity(device, override.toBytes());
        }
        if (gpu) {
            return new WorkerCapacity(
                    device, CudaUtils.getGpuMemory(Device.gpu()).getMax());
        }
        return ofCpu(physicalMemory(), Runtime.getRuntime().maxMemory(), reserve.toBytes());
    }

    /** CPU capacity: physical memory less the JVM's maximum heap and the reserve. */
    static WorkerCapacity ofCpu(long physical, long maxHeap, long reserve) {
        long left = physical - maxHeap - reserve;
        if (left <= 0) {
            throw new IllegalStateException("this machine's " + physical + " bytes of memory less the JVM's maximum"
                    + " heap (" + maxHeap + ") and safetune.worker.memory-reserve (" + reserve + ") leave nothing"
                    + " for training: lower -Xmx or the reserve, or set safetune.worker.memory-bytes");
        }
        return new WorkerCapacity(CPU, left);
    }

    /** Physical memory, or the container's memory limit when that is lower (the JDK reads the cgroup). */
    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        throw new IllegalStateException("this JVM does not report physical memory: set safetune.worker.memory-bytes");
    }
}
