package dev.allspark.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The AllSpark block against the authors' reference implementation: outputs, input gradients,
 * parameter gradients and Semantic Memory states of {@code ../shared/golden/allspark_block.npz}.
 */
class AllSparkGoldenTest {
  static final int C = 16;
  static final int H = 2;
  static final int K = 3;
  static final int N = 16;
  static final double ATOL = 1e-4;
  static final double RTOL = 1e-3;

  @RegisterExtension
  static final GoldenVectors.File GOLDEN = GoldenVectors.file("allspark_block.npz");

  static NDArray g(String name) {
    return GOLDEN.vectors().get(name);
  }

  /** A block with the golden parameters and the given memory state. */
  static AllSparkBottleneck block(NDManager m, String memoryState, String pointerState) {
    AllSparkBottleneck block = new AllSparkBottleneck(C, H, K, N, 0f, 1);
    block.initialize(m, DataType.FLOAT32, new Shape(1));
    Map<String, Parameter> params = ParameterNames.of(block);
    assertThat(params.keySet())
        .containsExactlyInAnyOrderElementsOf(
            GOLDEN.vectors().names().stream()
                .filter(k -> k.startsWith("param."))
                .map(k -> k.substring("param.".length()))
                .toList());
    params.forEach((name, p) -> p.getArray().set(g("param." + name).toFloatArray()));
    block
        .memory()
        .restore(
            g(memoryState).toFloatArray(),
            java.util.Arrays.stream(g(pointerState).toLongArray())
                .mapToInt(l -> (int) l)
                .toArray());
    return block;
  }

  static void assertClose(String what, NDArray actual, NDArray expected) {
    GoldenVectors.assertClose(what, actual, expected, ATOL, RTOL);
  }

  void checkTrainingCase(String name, boolean useMemory, String memoryBefore, String ptrBefore) {
    try (NDManager m = GOLDEN.vectors().manager().newSubManager()) {
      AllSparkBottleneck block = block(m, memoryBefore, ptrBefore);
      NDArray input = g(name + ".input").duplicate();
      input.attach(m);
      input.setRequiresGradient(true);
      NDArray output;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        output = block.forwardTrain(input, g(name + ".prob_map"), useMemory);
        collector.backward(output.mul(g(name + ".upstream_grad")).sum());
      }
      assertClose(name + ".output", output, g(name + ".output"));
      assertClose(name + ".input_grad", input.getGradient(), g(name + ".input_grad"));
      for (var e : ParameterNames.of(block).entrySet()) {
        assertClose(
            name + ".grad." + e.getKey(),
            e.getValue().getArray().getGradient(),
            g(name + ".grad." + e.getKey()));
      }
      assertClose(
          name + ".kv_queue.after",
          m.create(block.memory().queue(), new Shape(K, C, N)),
          g(name + ".kv_queue.after"));
      assertThat(block.memory().pointers())
          .as(name + ".queue_ptr.after")
          .containsExactly(
              java.util.Arrays.stream(g(name + ".queue_ptr.after").toLongArray())
                  .mapToInt(l -> (int) l)
                  .toArray());
    }
  }

  @Test
  void trainingBeforeWarmUpReadsTheUnlabeledBatch() {
    checkTrainingCase("train_warmup", false, "state.kv_queue.initial", "state.queue_ptr.initial");
  }

  @Test
  void trainingAfterWarmUpReadsTheSemanticMemory() {
    // The reference ran this case on the memory that train_warmup left.
    checkTrainingCase(
        "train_memory", true, "train_warmup.kv_queue.after", "train_warmup.queue_ptr.after");
  }

  @Test
  void inferenceMatchesTheReference() {
    try (NDManager m = GOLDEN.vectors().manager().newSubManager()) {
      // The reference ran the cases in order on one module: inference follows train_memory.
      AllSparkBottleneck block =
          block(m, "train_memory.kv_queue.after", "train_memory.queue_ptr.after");
      NDArray output = block.forwardInference(g("inference.input"));
      assertClose("inference.output", output, g("inference.output"));
      // Inference never touches the memory.
      assertClose(
          "inference.kv_queue.after",
          m.create(block.memory().queue(), new Shape(K, C, N)),
          g("inference.kv_queue.after"));
    }
  }

  @Test
  void anImageGivesTheSameResultAloneAsInABatchOfThree() {
    try (NDManager m = GOLDEN.vectors().manager().newSubManager()) {
      AllSparkBottleneck block = block(m, "state.kv_queue.initial", "state.queue_ptr.initial");
      Engine.getInstance().setRandomSeed(7);
      NDArray batch = m.randomNormal(new Shape(3, C, 4, 5));
      NDArray together = block.forwardInference(batch);
      for (int i = 0; i < 3; i++) {
        NDArray alone = block.forwardInference(batch.get(i + ":" + (i + 1)));
        assertClose("image " + i, together.get(i + ":" + (i + 1)), alone);
      }
      // And the images really differ, so the comparison means something.
      assertThat(together.get(0).sub(together.get(1)).abs().max().getFloat()).isGreaterThan(1e-3f);
    }
  }
}
