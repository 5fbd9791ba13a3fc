package dev.allspark.trainer.online;

import dev.allspark.trainer.Sample;
import java.util.Random;

/**
 * The unlabeled half of each batch: a bounded window over the recent stream. Each arriving frame is
 * kept with probability {@code sampleFraction} (so a fast fleet does not churn the window) and
 * replaces the oldest kept frame once the window is full. Thread-safe: the intake thread adds, the
 * training thread draws.
 */
final class FrameWindow {
  private final Sample[] frames;
  private final double sampleFraction;
  private final Random rng;
  private int next;
  private int size;
  private long seen;

  FrameWindow(int capacity, double sampleFraction, long seed) {
    this.frames = new Sample[capacity];
    this.sampleFraction = sampleFraction;
    this.rng = new Random(seed);
  }

  /** Rolls whether the next frame of the stream is kept (decide before decoding it). */
  synchronized boolean admit() {
    seen++;
    return rng.nextDouble() < sampleFraction;
  }

  /** Keeps an admitted frame, replacing the oldest once the window is full. */
  synchronized void add(Sample frame) {
    frames[next] = frame;
    next = (next + 1) % frames.length;
    size = Math.min(frames.length, size + 1);
  }

  synchronized int size() {
    return size;
  }

  int capacity() {
    return frames.length;
  }

  synchronized long seen() {
    return seen;
  }

  synchronized Sample draw(Random random) {
    return frames[random.nextInt(size)];
  }
}
