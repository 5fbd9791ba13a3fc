package dev.allspark.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;

/** Parameters for optimizer tests. */
final class TestParameters {
  private TestParameters() {}

  /** A weight "w" on {@code m} holding these values. */
  static Parameter weight(NDManager m, float... values) {
    Parameter p =
        Parameter.builder()
            .setName("w")
            .setType(Parameter.Type.WEIGHT)
            .optShape(new Shape(values.length))
            .optInitializer(new ConstantInitializer(0f))
            .build();
    p.initialize(m, DataType.FLOAT32);
    p.getArray().set(values);
    return p;
  }
}
