package dev.allspark.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import dev.allspark.model.AllSparkNet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A copy of the network's non-trainable state (BatchNorm running statistics), so that a training
 * step that is skipped (non-finite loss or gradient) leaves no trace: its forward pass has already
 * moved the statistics in place.
 */
final class RunningStatistics {
  private static final NDIndex ALL = new NDIndex("...");
  private final Map<NDArray, NDArray> copies = new LinkedHashMap<>();

  RunningStatistics(AllSparkNet net, NDManager manager) {
    for (Parameter p : net.namedParameters().values()) {
      if (!p.requiresGradient()) {
        NDArray copy = p.getArray().duplicate();
        copy.attach(manager);
        copies.put(p.getArray(), copy);
      }
    }
  }

  void save() {
    try (NDScope scope = new NDScope()) {
      copies.forEach((live, copy) -> copy.set(ALL, live));
    }
  }

  void restore() {
    try (NDScope scope = new NDScope()) {
      copies.forEach((live, copy) -> live.set(ALL, copy));
    }
  }
}
