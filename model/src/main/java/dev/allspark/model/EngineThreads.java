package dev.allspark.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread, and a new thread starts with it on; DJL turns it off
 * only on the thread that loads the engine. A thread that runs the network outside a {@code
 * GradientCollector} must call {@link #noGradients()} first, or every forward pass records a graph
 * (time and memory) and an optimizer's in-place update of a parameter is refused.
 */
public final class EngineThreads {
  private EngineThreads() {}

  /** Turns autograd recording off on the calling thread (the default outside a collector). */
  public static void noGradients() {
    Engine.getInstance(); // loads the engine (and its natives) first
    JniUtils.setGradMode(false);
  }
}
