package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.GoldenVectors;
import dev.allspark.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One whole training step of the full network against the authors' reference code ({@code
 * ../shared/golden/training_step.npz}, README section "one whole training step"): two AllSpark
 * iterations (before and after the memory warm-up), the supervised baseline's step and an
 * inference, through the trainer's own step ({@link TrainingStep}) and optimizer ({@link
 * SgdMomentum}): logits, losses, every parameter gradient, BatchNorm statistics, Semantic Memory
 * and the SGD update, within 1e-4 absolute + 1e-3 relative per element.
 */
class TrainingStepGoldenTest {
  static final double ATOL = 1e-4;
  static final double RTOL = 1e-3;
  static final float LR = 0.01f;

  /** The golden configuration: the tiny network at crop 33 with every dropout at 0. */
  static final ModelConfig CONFIG = ModelConfig.tiny(11, 33).withoutDropout();

  static {
    EngineThreads.noGradients();
  }

  @RegisterExtension
  static final GoldenVectors.File GOLDEN = GoldenVectors.file("training_step.npz");

  static NDArray g(String name) {
    return GOLDEN.vectors().get(name);
  }

  static void assertClose(String what, NDArray actual, NDArray expected) {
    GoldenVectors.assertClose(what, actual, expected, ATOL, RTOL);
  }

  static AllSparkNet network(ModelConfig config, String prefix, String decoderPrefix) {
    AllSparkNet net = AllSparkNet.create(config, GOLDEN.vectors().manager(), 0);
    Map<String, Parameter> params = net.namedParameters();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String name = e.getKey();
      String source = (name.startsWith("decoder.decoder.") ? decoderPrefix : prefix) + name;
      e.getValue().getArray().set(g(source).toFloatArray());
    }
    return net;
  }

  static int[] ints(NDArray a) {
    return Arrays.stream(a.toLongArray()).mapToInt(l -> (int) l).toArray();
  }

  /** One AllSpark iteration from the file's inputs and pseudo scores, compared with the record. */
  static void allSparkStep(AllSparkNet net, TrainingStep step, SgdMomentum sgd, String s) {
    Map<String, Parameter> params = net.namedParameters();
    try (NDManager scope = GOLDEN.vectors().manager().newSubManager()) {
      NDArray labeled = g(s + ".labeled");
      NDArray unlabeled = g(s + ".unlabeled");
      boolean useMemory = g(s + ".using_SMem").toLongArray()[0] == 1;
      // the network's own per-image pseudo pass (independent of the batch) and the eval mode's
      // promise to leave every statistic alone
      float[] statistics =
          params.get("decoder.decoder.linear_fuse.bn.running_mean").getArray().toFloatArray();
      NDArray ownScores = net.predict(unlabeled);
      assertThat(
              params.get("decoder.decoder.linear_fuse.bn.running_mean").getArray().toFloatArray())
          .as("the pseudo pass changes no statistic")
          .isEqualTo(statistics);
      if (GOLDEN.vectors().has(s + ".pseudo_scores_single")) {
        assertClose(s + " own pseudo scores", ownScores, g(s + ".pseudo_scores_single"));
      }
      // training forward, losses, backward with the reference's batched pseudo scores
      NDArray yL = g(s + ".labels");
      TrainingStep.Losses losses =
          step.backward(
              labeled,
              yL,
              unlabeled,
              g(s + ".pseudo_scores"),
              g(s + ".pseudo_labels"),
              null,
              useMemory,
              1f);
      assertThat((double) losses.supervised())
          .as(s + " loss_l")
          .isCloseTo(g(s + ".loss_l").toFloatArray()[0], org.assertj.core.data.Offset.offset(1e-5));
      assertThat((double) losses.unsupervised())
          .as(s + " loss_u")
          .isCloseTo(g(s + ".loss_u").toFloatArray()[0], org.assertj.core.data.Offset.offset(1e-5));
      assertThat((double) losses.total())
          .as(s + " loss")
          .isCloseTo(g(s + ".loss").toFloatArray()[0], org.assertj.core.data.Offset.offset(1e-5));
      assertGradients(params, s + ".grad.");
      // statistics and memory left by the training forward
      assertAfter(params, s + ".after.", true);
      assertThat(net.memory().pointers())
          .as(s + " memory pointers")
          .containsExactly(ints(g(s + ".after.decoder.allspark.attn.queue_ptr")));
      assertClose(
          s + " memory",
          GOLDEN
              .vectors()
              .manager()
              .create(
                  net.memory().queue(), g(s + ".after.decoder.allspark.attn.kv_queue").getShape()),
          g(s + ".after.decoder.allspark.attn.kv_queue"));
      // the SGD update
      sgd.step(g(s + ".lr").toFloatArray()[0]);
      assertAfter(params, s + ".after.", false);
    }
  }

  static void assertGradients(Map<String, Parameter> params, String prefix) {
    List<String> compared = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      if (!e.getValue().requiresGradient()) {
        continue;
      }
      NDArray grad = e.getValue().getArray().getGradient();
      assertClose(prefix + e.getKey(), grad, g(prefix + e.getKey()));
      grad.close();
      compared.add(e.getKey());
    }
    assertThat(compared).as("gradients compared").isNotEmpty();
  }

  /** Statistics ({@code statistics}) or trainable parameters after the step. */
  static void assertAfter(Map<String, Parameter> params, String prefix, boolean statistics) {
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      if (e.getValue().requiresGradient() == statistics) {
        continue;
      }
      assertClose(prefix + e.getKey(), e.getValue().getArray(), g(prefix + e.getKey()));
    }
  }

  @Test
  void twoAllSparkIterationsAndAnInferenceMatchTheReference() {
    AllSparkNet net = network(CONFIG, "init.", "init.");
    net.memory()
        .restore(
            g("init.decoder.allspark.attn.kv_queue").toFloatArray(),
            ints(g("init.decoder.allspark.attn.queue_ptr")));
    assertThat(net.namedParameters()).hasSize(131);
    try (SgdMomentum sgd =
        new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, GOLDEN.vectors().manager())) {
      TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, GOLDEN.vectors().manager());
      allSparkStep(net, step, sgd, "step1");
      allSparkStep(net, step, sgd, "step2");
    }
    try (NDManager scope = GOLDEN.vectors().manager().newSubManager()) {
      assertClose("inference logits", net.predict(g("infer.input")), g("infer.logits"));
    }
  }

  @Test
  void theSupervisedBaselineStepMatchesTheReference() {
    AllSparkNet net = network(CONFIG.withBottleneck(false), "init.", "sup.init.");
    Map<String, Parameter> params = net.namedParameters();
    assertThat(params.keySet()).noneMatch(n -> n.startsWith("decoder.allspark."));
    try (SgdMomentum sgd = new SgdMomentum(params, 0.9f, 1e-4f, GOLDEN.vectors().manager());
        NDManager scope = GOLDEN.vectors().manager().newSubManager()) {
      TrainingStep step = new TrainingStep(net, sgd, Method.SUPERVISED, GOLDEN.vectors().manager());
      TrainingStep.Losses losses = step.supervisedBackward(g("step1.labeled"), g("step1.labels"));
      assertThat((double) losses.total())
          .isCloseTo(g("sup.loss").toFloatArray()[0], org.assertj.core.data.Offset.offset(1e-5));
      assertGradients(params, "sup.grad.");
      assertAfter(params, "sup.after.", true);
    }
  }
}
