package dev.allspark.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.allspark.model.AllSparkNet;
import dev.allspark.model.EngineThreads;
import dev.allspark.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmaTeacherTest {

  private static Map<String, float[]> floats(AllSparkNet net) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
      NDArray a = e.getValue().getArray();
      if (a.getDataType() == DataType.FLOAT32) {
        out.put(e.getKey(), a.toFloatArray());
      }
    }
    return out;
  }

  @Test
  void startsAsACopyThenAveragesTheStudentsUpdatesWithARampedDecay() {
    Engine.getInstance().setRandomSeed(4);
    EngineThreads.noGradients();
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      EmaTeacher teacher = new EmaTeacher(net, 0.99f, m);
      Random rng = new Random(5);
      List<Sample> l = TrainingStepTest.samples(2, 65, true, rng);
      List<Sample> u = TrainingStepTest.samples(2, 65, false, rng);

      // a copy: same weights, same predictions
      assertThat(floats(teacher.network())).containsOnlyKeys(floats(net).keySet());
      try (NDManager s = m.newSubManager()) {
        NDArray x = TrainingStep.images(s, u);
        assertThat(teacher.network().predict(x).toFloatArray())
            .containsExactly(net.predict(x).toFloatArray());
      }

      try (SgdMomentum sgd = new SgdMomentum(net.namedParameters(), 0.9f, 1e-4f, m)) {
        TrainingStep step = new TrainingStep(net, sgd, Method.ALLSPARK, m).withTeacher(teacher);
        float[] expectedDecays = {0.5f, 2f / 3f, 0.75f};
        for (float decay : expectedDecays) {
          assertThat(teacher.currentDecay()).isCloseTo(decay, within(1e-6f));
          Map<String, float[]> teacherBefore = floats(teacher.network());
          TrainingStep.Losses losses = step.run(l, u, 0.05f, false, 1f, 0.5f);
          assertThat(losses.skipped()).isFalse();
          Map<String, float[]> student = floats(net);
          Map<String, float[]> teacherAfter = floats(teacher.network());
          int moved = 0;
          for (String name : student.keySet()) {
            float[] t0 = teacherBefore.get(name);
            float[] s1 = student.get(name);
            float[] t1 = teacherAfter.get(name);
            for (int i = 0; i < t1.length; i++) {
              float expected = decay * t0[i] + (1 - decay) * s1[i];
              assertThat(t1[i])
                  .as("%s[%d]", name, i)
                  .isCloseTo(expected, within(1e-5f + 1e-5f * Math.abs(expected)));
              if (t1[i] != t0[i]) {
                moved++;
              }
            }
          }
          assertThat(moved).as("teacher weights moved by the update").isPositive();
        }
      }
      // the teacher lags behind: its weights now differ from the student's
      Map<String, float[]> t = floats(teacher.network());
      Map<String, float[]> s = floats(net);
      assertThat(s.keySet().stream().filter(n -> !java.util.Arrays.equals(t.get(n), s.get(n))))
          .isNotEmpty();
      assertThat(teacher.currentDecay()).isCloseTo(0.8f, within(1e-6f));
    }
  }

  @Test
  void refusesADecayOutsideTheOpenUnitInterval() {
    try (NDManager m = NDManager.newBaseManager()) {
      AllSparkNet net = AllSparkNet.create(ModelConfig.tiny(11, 65), m, 1);
      assertThatThrownBy(() -> new EmaTeacher(net, 1f, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("decay must be in (0, 1), got 1.0");
      assertThatThrownBy(() -> new EmaTeacher(net, 0f, m))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
