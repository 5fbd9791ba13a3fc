package dev.allspark.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Base of the model's layers: parameters are declared with their full shape up front, so a layer
 * initializes without DJL's shape inference, and child layers are initialized independently (they
 * do not form a sequence). Parameter names follow the PyTorch reference ({@code weight}, {@code
 * bias}, ...) so that {@link ParameterNames} gives reference-style paths.
 */
abstract class Layer extends AbstractBlock {

  protected Layer() {
    super((byte) 1);
  }

  /** Declares a trainable parameter. */
  protected final Parameter param(String name, Shape shape, Initializer initializer) {
    return addParameter(
        Parameter.builder()
            .setName(name)
            .setType(
                name.endsWith("bias")
                    ? Parameter.Type.BIAS
                    : name.endsWith("weight") ? Parameter.Type.WEIGHT : Parameter.Type.OTHER)
            .optShape(shape)
            .optInitializer(initializer)
            .build());
  }

  /** Declares a non-trainable state array (BatchNorm running statistics). */
  protected final Parameter state(String name, Shape shape, Initializer initializer) {
    return addParameter(
        Parameter.builder()
            .setName(name)
            .setType(Parameter.Type.RUNNING_MEAN)
            .optShape(shape)
            .optInitializer(initializer)
            .optRequiresGrad(false)
            .build());
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (Block child : children.values()) {
      child.initialize(manager, dataType, inputShapes);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " declares its shapes; shape inference is not used");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " is called through its typed forward method");
  }
}
