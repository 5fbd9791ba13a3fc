package dev.allspark.model;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads tensors from a {@code .safetensors} file (an 8-byte little-endian header length, a JSON
 * header of {@code name -> {dtype, shape, data_offsets}}, then the raw data). F32, F16 and BF16
 * tensors are read as float32.
 */
public final class SafeTensors {
  private SafeTensors() {}

  public static Map<String, Checkpoint.Tensor> read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < 8) {
      throw new IllegalArgumentException(file + " is not a safetensors file (too short)");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buffer.getLong();
    if (headerLength <= 0 || headerLength > bytes.length - 8) {
      throw new IllegalArgumentException(
          file + " is not a safetensors file (header of " + headerLength + " bytes)");
    }
    JsonObject header;
    try {
      header =
          new Gson()
              .fromJson(
                  new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8),
                  JsonObject.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + ": safetensors header is not JSON", e);
    }
    int dataStart = 8 + (int) headerLength;
    Map<String, Checkpoint.Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonObject t = e.getValue().getAsJsonObject();
      String dtype = t.get("dtype").getAsString();
      var shapeJson = t.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeJson.get(i).getAsLong();
        count *= shape[i];
      }
      long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
      long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
      int width =
          switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default ->
                throw new IllegalArgumentException(
                    file
                        + ": tensor "
                        + e.getKey()
                        + " has dtype "
                        + dtype
                        + " (F32, F16, BF16 are read)");
          };
      if (end - begin != count * width || dataStart + end > bytes.length) {
        throw new IllegalArgumentException(
            file + ": tensor " + e.getKey() + " has inconsistent offsets");
      }
      ByteBuffer data =
          ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
              .order(ByteOrder.LITTLE_ENDIAN);
      float[] values = new float[(int) count];
      for (int i = 0; i < count; i++) {
        values[i] =
            switch (dtype) {
              case "F32" -> data.getFloat();
              case "F16" -> halfToFloat(data.getShort());
              default -> Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
            };
      }
      out.put(e.getKey(), new Checkpoint.Tensor(shape, values));
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short bits) {
    int h = bits & 0xffff;
    int sign = (h >>> 15) << 31;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0) {
      // zero or subnormal: mantissa * 2^-24
      float value = mantissa * 0x1p-24f;
      return sign == 0 ? value : -value;
    }
    if (exponent == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
