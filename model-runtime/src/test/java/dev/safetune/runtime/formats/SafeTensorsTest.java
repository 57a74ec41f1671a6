package dev.safetune.runtime.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void roundTripKeepsNamesShapesValuesAndMetadataInNameOrder() throws IOException {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put(
                "model.embed_tokens.weight",
                manager.create(new float[] {1f, -2f, 3.5f, 0f, 1e-8f, -7f}, new Shape(3, 2)));
        tensors.put("model.norm.weight", manager.create(new float[] {0.25f, 4f}, new Shape(2)));
        tensors.put("scalar", manager.create(new float[] {42f}, new Shape()));
        Path file = dir.resolve("model.safetensors");

        SafeTensors.write(file, tensors, Map.of("format", "pt", "step", "7"));
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Map<String, NDArray> read = SafeTensors.read(file, manager);

        assertThat(header.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "step", "7"));
        assertThat(header.tensors().values())
                .allSatisfy(info -> assertThat(info.dtype()).isEqualTo(SafeTensors.Dtype.F32));
        assertThat(read.keySet()).containsExactly("model.embed_tokens.weight", "model.norm.weight", "scalar");
        tensors.forEach((name, expected) -> {
            NDArray actual = read.get(name);
            assertThat(actual.getShape()).as(name).isEqualTo(expected.getShape());
            assertThat(actual.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(actual.toFloatArray()).as(name).containsExactly(expected.toFloatArray());
        });
    }

    @Test
    void headerIsPaddedSoThatDataStartsEightByteAligned() throws IOException {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("w", manager.create(new float[] {1f, 2f, 3f}, new Shape(3)));
        Path file = dir.resolve("a.safetensors");

        SafeTensors.write(file, tensors);

        byte[] bytes = Files.readAllBytes(file);
        long headerLength =
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLength + 3 * 4);
    }

    @Test
    void halfPrecisionTensorsAreWidenedToFloat32WhileLoading() throws IOException {
        // 1.0, −2.5 and 0.15625 are exact in both half formats; 65504 is the largest finite F16.
        short[] bf16 = {(short) 0x3F80, (short) 0xC020, (short) 0x3E20};
        short[] f16 = {(short) 0x3C00, (short) 0xC100, (short) 0x7BFF};
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1,3],\"data_offsets\":[6,12]}}";
        Path file = dir.resolve("half.safetensors");
        writeRaw(file, header, bf16, f16);

        Map<String, NDArray> read = SafeTensors.read(file, manager);

        assertThat(SafeTensors.readHeader(file).tensors().get("b").dtype()).isEqualTo(SafeTensors.Dtype.BF16);
        assertThat(read.get("b").getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(read.get("b").toFloatArray()).containsExactly(1f, -2.5f, 0.15625f);
        assertThat(read.get("h").getShape()).isEqualTo(new Shape(1, 3));
        assertThat(read.get("h").toFloatArray()).containsExactly(1f, -2.5f, 65504f);
    }

    @Test
    void unsupportedDtypeIsRefusedNamingTheTensor() throws IOException {
        String header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        Path file = dir.resolve("ints.safetensors");
        writeRaw(file, header, new short[] {0, 0, 0, 0}, new short[0]);

        assertThatThrownBy(() -> SafeTensors.read(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ids")
                .hasMessageContaining("I64");
    }

    @Test
    void offsetsThatDisagreeWithTheShapeAreRefused() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        Path file = dir.resolve("bad.safetensors");
        writeRaw(file, header, new short[] {0, 0, 0, 0}, new short[0]);

        assertThatThrownBy(() -> SafeTensors.read(file, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data_offsets");
    }

    private static void writeRaw(Path file, String header, short[] first, short[] second) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + 2 * (first.length + second.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        for (short s : first) {
            buffer.putShort(s);
        }
        for (short s : second) {
            buffer.putShort(s);
        }
        Files.write(file, buffer.array());
    }

    /** Ties round to the even neighbour, as torch's {@code c10::BFloat16}; larger halves round away. */
    @Test
    void narrowingToBfloat16RoundsToNearestEven() {
        assertThat(SafeTensors.toBfloat16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);
        assertThat(SafeTensors.toBfloat16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);
        assertThat(SafeTensors.toBfloat16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(SafeTensors.toBfloat16(-2.5f)).isEqualTo((short) 0xC020);
        assertThat(Float.isNaN(Float.intBitsToFloat(SafeTensors.toBfloat16(Float.NaN) << 16)))
                .isTrue();
    }

    @Test
    void halfPrecisionEntriesAreStoredNarrowAndReadBackWidened() throws IOException {
        float[] values = {1f, -2.5f, 0.1f, 65504f};
        Shape shape = new Shape(2, 2);
        Path file = dir.resolve("half.safetensors");
        SafeTensors.write(
                file,
                java.util.List.of(
                        SafeTensors.Entry.of("b", shape, values).as(SafeTensors.Dtype.BF16),
                        SafeTensors.Entry.of("h", shape, values).as(SafeTensors.Dtype.F16)),
                SafeTensors.PT_METADATA);

        SafeTensors.Header header = SafeTensors.readHeader(file);
        Map<String, NDArray> read = SafeTensors.read(file, manager);

        assertThat(header.tensors().get("b").dtype()).isEqualTo(SafeTensors.Dtype.BF16);
        assertThat(header.tensors().get("h").dtype()).isEqualTo(SafeTensors.Dtype.F16);
        assertThat(Files.size(file)).isEqualTo(8 + headerLength(file) + 2 * 4 * 2); // two bytes per value
        assertThat(read.get("h").toFloatArray())
                .containsExactly(1f, -2.5f, Float.float16ToFloat(Float.floatToFloat16(0.1f)), 65504f);
        assertThat(read.get("b").toFloatArray()[2]).isEqualTo(Float.intBitsToFloat(SafeTensors.toBfloat16(0.1f) << 16));
    }

    private static long headerLength(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file), 0, 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
    }
}
