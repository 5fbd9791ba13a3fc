package dev.allspark.model;

import com.google.gson.Gson;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Safetensors files for tests (in the model's test-jar, used by the trainer's tests too). */
public final class SafeTensorsFiles {
  private SafeTensorsFiles() {}

  /** Writes tensors as F32 safetensors (the layout of the format's specification). */
  public static void write(Path file, Map<String, Checkpoint.Tensor> tensors) throws Exception {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("__metadata__", Map.of("format", "pt"));
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (var e : tensors.entrySet()) {
      long begin = data.size();
      ByteBuffer b =
          ByteBuffer.allocate(4 * e.getValue().data().length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(e.getValue().data());
      data.write(b.array());
      header.put(
          e.getKey(),
          Map.of(
              "dtype",
              "F32",
              "shape",
              e.getValue().shape(),
              "data_offsets",
              List.of(begin, (long) data.size())));
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate(8 + json.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json).put(data.toByteArray());
    Files.write(file, out.array());
  }

  /**
   * The encoder ({@code backbone.*}) of {@code net} by MixTransformer's own names, every weight
   * shifted by +0.5 so that a loaded one can be told from a fresh one.
   */
  public static Map<String, Checkpoint.Tensor> shiftedEncoder(AllSparkNet net) {
    Map<String, Checkpoint.Tensor> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, ai.djl.nn.Parameter> e : net.namedParameters().entrySet()) {
      if (e.getKey().startsWith("backbone.")) {
        Checkpoint.Tensor t = Checkpoint.Tensor.of(e.getValue().getArray());
        float[] shifted = t.data().clone();
        for (int i = 0; i < shifted.length; i++) {
          shifted[i] += 0.5f;
        }
        out.put(
            e.getKey().substring("backbone.".length()), new Checkpoint.Tensor(t.shape(), shifted));
      }
    }
    return out;
  }
}
