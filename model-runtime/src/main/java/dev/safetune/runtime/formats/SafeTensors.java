package dev.safetune.runtime.formats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads and writes the Hugging Face <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 * an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON header
 * ({@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}}, offsets relative
 * to the end of the header), then the raw little-endian tensor data.
 *
 * <p>Reading accepts F32, F16 and BF16 and always yields FLOAT32 arrays: half-precision data is widened on the Java
 * side while loading because a BF16 NDArray crashes the JVM on the CPU engine (see djl-notes). Writing takes FLOAT32
 * data and stores each tensor as F32, F16 or BF16, narrowing on the Java side with round-to-nearest-even (as
 * PyTorch's {@code .to(torch.bfloat16)} / {@code .half()} do), and streams one tensor at a time to the file.
 *
 * <p>Files are laid out as the reference writer ({@code safetensors.torch.save_file}) lays them out: tensors ordered
 * by dtype (F32, then BF16, then F16) and then by name, {@code __metadata__} first in the header, compact JSON
 * padded with spaces to a multiple of 8 bytes. A checkpoint written by transformers, read and written back in its
 * own dtypes, is therefore byte-identical to the original.
 */
public final class SafeTensors {

    /** The metadata Hugging Face transformers expects on a PyTorch checkpoint. */
    public static final Map<String, String> PT_METADATA = Map.of("format", "pt");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {}

    /** Element types this class understands, named as in the header. */
    public enum Dtype {
        F32(4, 2),
        F16(2, 0),
        BF16(2, 1);

        private final int bytes;
        /** Position in the reference writer's order: higher first. */
        private final int writeOrder;

        Dtype(int bytes, int writeOrder) {
            this.bytes = bytes;
            this.writeOrder = writeOrder;
        }

        public int bytes() {
            return bytes;
        }

        /** The dtype named by a {@code torch_dtype}/{@code dtype} config value, e.g. {@code "bfloat16"}. */
        public static Dtype ofTorchName(String name) {
            return switch (name) {
                case "float32" -> F32;
                case "float16" -> F16;
                case "bfloat16" -> BF16;
                default -> throw new IllegalArgumentException("unsupported dtype " + name);
            };
        }
    }

    /** One header entry; offsets are absolute positions in the file. */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            return Arrays.stream(shape).reduce(1L, Math::multiplyExact);
        }
    }

    /** A parsed header: tensors in file order and the string metadata. */
    public record Header(SequencedMap<String, TensorInfo> tensors, Map<String, String> metadata) {}

    /**
     * A tensor to write: its name, shape, stored dtype and a supplier of its FLOAT32 data, called once when its turn
     * comes, so only one tensor's bytes are held beyond what the caller keeps anyway.
     */
    public record Entry(String name, Shape shape, Dtype dtype, Supplier<ByteBuffer> data) {
        /** An entry stored as F32. */
        public Entry(String name, Shape shape, Supplier<ByteBuffer> data) {
            this(name, shape, Dtype.F32, data);
        }

        /** An entry backed by an NDArray of any float type, stored as F32. */
        public static Entry of(String name, NDArray array) {
            return of(name, array, Dtype.F32);
        }

        /** An entry backed by an NDArray of any float type, stored as {@code dtype}. */
        public static Entry of(String name, NDArray array, Dtype dtype) {
            return new Entry(name, array.getShape(), dtype, () -> {
                if (array.getDataType() == DataType.FLOAT32) {
                    return array.toByteBuffer();
                }
                try (NDArray f32 = array.toType(DataType.FLOAT32, true)) {
                    return f32.toByteBuffer();
                }
            });
        }

        /** This entry stored as {@code other} instead. */
        public Entry as(Dtype other) {
            return new Entry(name, shape, other, data);
        }

        /** An entry backed by a Java float array. */
        public static Entry of(String name, Shape shape, float[] values) {
            return new Entry(name, shape, () -> {
                ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buffer.asFloatBuffer().put(values);
                return buffer;
            });
        }
    }

    /** Reads only the header of {@code file}. */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(channel, file);
        }
    }

    /**
     * Loads every tensor of {@code file} into {@code manager} as FLOAT32, in file order.
     *
     * @throws IllegalArgumentException when the file is malformed or holds an unsupported dtype
     */
    public static SequencedMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        SequencedMap<String, NDArray> result = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(channel, file);
            for (TensorInfo info : header.tensors().values()) {
                ByteBuffer raw = readFully(channel, info.begin(), Math.toIntExact(info.end() - info.begin()));
                ByteBuffer f32 = toFloat32(raw, info);
                result.put(info.name(), manager.create(f32, new Shape(info.shape()), DataType.FLOAT32));
            }
        } catch (IOException | RuntimeException e) {
            result.values().forEach(NDArray::close);
            throw e;
        }
        return result;
    }

    /** Writes NDArrays as F32 with the PyTorch metadata. */
    public static void write(Path file, SequencedMap<String, NDArray> tensors) throws IOException {
        write(file, tensors, PT_METADATA);
    }

    /** Writes NDArrays as F32 with the given metadata. */
    public static void write(Path file, SequencedMap<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        tensors.forEach((name, array) -> entries.add(Entry.of(name, array)));
        write(file, entries, metadata);
    }

    /**
     * Streams {@code entries} to {@code file}, each in its own dtype (replacing the file), and forces it to disk.
     * Tensors are ordered as the reference writer orders them (see class comment), metadata keys sorted, so that
     * equal inputs give byte-identical files.
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        List<Entry> ordered = entries.stream()
                .sorted(Comparator.comparingInt((Entry e) -> -e.dtype().writeOrder)
                        .thenComparing(Entry::name))
                .toList();
        byte[] header = headerBytes(ordered, metadata);
        try (FileChannel channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            writeFully(channel, prefix);
            for (Entry entry : ordered) {
                ByteBuffer data = entry.data().get().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                long expected = entry.shape().size() * 4;
                if (data.remaining() != expected) {
                    throw new IllegalArgumentException("tensor " + entry.name() + " supplied " + data.remaining()
                            + " bytes, its shape " + entry.shape() + " needs " + expected);
                }
                writeFully(channel, narrow(data, entry.dtype()));
            }
            channel.force(true);
        }
    }

    /**
     * FLOAT32 data in the stored dtype. BF16 keeps the upper 16 bits after rounding to nearest, ties to even (NaN
     * stays a quiet NaN), as {@code c10::BFloat16}; F16 uses {@link Float#floatToFloat16}, which rounds the same way.
     */
    static ByteBuffer narrow(ByteBuffer f32, Dtype dtype) {
        if (dtype == Dtype.F32) {
            return f32;
        }
        int count = f32.remaining() / 4;
        ByteBuffer out = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
        int start = f32.position();
        for (int i = 0; i < count; i++) {
            float value = f32.getFloat(start + i * 4);
            out.putShort(i * 2, dtype == Dtype.F16 ? Float.floatToFloat16(value) : toBfloat16(value));
        }
        return out;
    }

    static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    private static byte[] headerBytes(List<Entry> entries, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> meta.put(e.getKey(), e.getValue()));
        }
        long offset = 0;
        for (Entry entry : entries) {
            if (entry.name().equals(METADATA_KEY) || root.has(entry.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name: " + entry.name());
            }
            ObjectNode node = root.putObject(entry.name());
            node.put("dtype", entry.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long dim : entry.shape().getShape()) {
                shape.add(dim);
            }
            long end = offset + entry.shape().size() * entry.dtype().bytes();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        // Pad with spaces to a multiple of 8 so the data that follows stays aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static Header readHeader(FileChannel channel, Path file) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new IllegalArgumentException(file + " is not a safetensors file: shorter than 8 bytes");
        }
        long headerLength =
                readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
            throw new IllegalArgumentException(file + " has an invalid safetensors header length " + headerLength);
        }
        ByteBuffer headerBuffer = readFully(channel, 8, (int) headerLength);
        byte[] headerBytes = new byte[headerBuffer.remaining()];
        headerBuffer.get(headerBytes);
        JsonNode root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        long dataStart = 8 + headerLength;

        SequencedMap<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : root.properties()) {
            String name = property.getKey();
            JsonNode node = property.getValue();
            if (name.equals(METADATA_KEY)) {
                node.properties()
                        .forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                continue;
            }
            tensors.put(name, tensorInfo(file, name, node, dataStart, size));
        }
        return new Header(tensors, metadata);
    }

    private static TensorInfo tensorInfo(Path file, String name, JsonNode node, long dataStart, long fileSize) {
        String dtypeName = node.path("dtype").asString("");
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " has unsupported dtype '" + dtypeName
                    + "' (supported: F32, F16, BF16)");
        }
        JsonNode shapeNode = node.path("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).longValue();
        }
        JsonNode offsets = node.path("data_offsets");
        if (offsets.size() != 2) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " lacks data_offsets");
        }
        long begin = dataStart + offsets.get(0).longValue();
        long end = dataStart + offsets.get(1).longValue();
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        if (end < begin || end > fileSize || end - begin != info.elementCount() * dtype.bytes()) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " has data_offsets " + offsets
                    + " inconsistent with its shape " + Arrays.toString(shape) + " and dtype " + dtype);
        }
        return info;
    }

    /** Widens F16/BF16 to F32 in a direct little-endian buffer the engine can copy from. */
    private static ByteBuffer toFloat32(ByteBuffer raw, TensorInfo info) {
        raw.order(ByteOrder.LITTLE_ENDIAN);
        if (info.dtype() == Dtype.F32) {
            return raw;
        }
        int count = Math.toIntExact(info.elementCount());
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            short bits = raw.getShort(i * 2);
            float value = info.dtype() == Dtype.F16
                    ? Float.float16ToFloat(bits)
                    // bfloat16 is the upper half of an IEEE float32.
                    : Float.intBitsToFloat((bits & 0xFFFF) << 16);
            out.putFloat(i * 4, value);
        }
        return out;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN);
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IllegalArgumentException("unexpected end of safetensors file at byte " + at);
            }
            at += read;
        }
        return buffer.flip();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
