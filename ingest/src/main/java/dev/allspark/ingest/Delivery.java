package dev.allspark.ingest;

import dev.allspark.schemas.CameraFrame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the frames of a source (the synthetic fleet, a folder replay) and forgets none: each is
 * held until the broker acknowledged it, and one the producer gave up on (the broker was away
 * longer than {@code delivery.timeout.ms}) is sent again, after a pause that doubles up to 30 s,
 * until the broker takes it. At most {@code window} frames are in flight: the source waits beyond
 * that, so an outage holds the source back instead of filling memory. A frame counts as sent only
 * once acknowledged.
 *
 * <p>Before issue 13 the producer's result was never looked at: after a 150 s outage 4 frames
 * counted as sent never reached {@code camera.frames}, with no log line.
 *
 * <p>A failure that no retry can cure (no permission to write the topic, ...) is thrown, and the
 * ingest service stops saying why. Frames sent again after an outage may land after frames of the
 * same camera that were sent later; each frame carries its capture time.
 */
final class Delivery {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);
  private static final long MAX_PAUSE_MILLIS = 30_000;

  /** Told of each acknowledged frame. */
  interface Acked {
    void acked(CameraFrame frame, RecordMetadata md);
  }

  private record InFlight(CameraFrame frame, Future<RecordMetadata> result) {}

  private final FrameProducer producer;
  private final int window;
  private final Acked acked;
  private final Consumer<String> problem;
  private final Deque<InFlight> inFlight = new ArrayDeque<>();
  private final List<CameraFrame> failed = new ArrayList<>();
  private long resent;
  private long pauseMillis = 250;
  private String lastRefusal;

  /**
   * @param problem told of an outage (a message) and of its end (null)
   */
  Delivery(FrameProducer producer, int window, Acked acked, Consumer<String> problem) {
    this.producer = producer;
    this.window = window;
    this.acked = acked;
    this.problem = problem;
  }

  /**
   * Sends a frame; waits while {@code window} frames are not acknowledged yet. Frames already
   * acknowledged are counted on every call, in their order: a paced source (a replay at 1 frame/s
   * per camera) fills the window only after minutes, and until this counted only a full window, so
   * {@code frames in} stayed 0 for the demo's first 255 frames and a failed frame waited as long to
   * be sent again.
   */
  void send(CameraFrame frame) throws InterruptedException {
    hand(frame);
    while (inFlight.size() >= window) {
      settleHead();
    }
    settle();
  }

  /**
   * Counts the frames acknowledged so far, in their order, without waiting; a failed one is sent
   * again. Called on every send, and by a paced source while it waits for its next frame.
   */
  void settle() throws InterruptedException {
    while (!inFlight.isEmpty() && inFlight.peek().result().isDone()) {
      settleHead();
    }
    if (!failed.isEmpty()) {
      resendFailed();
    }
  }

  /** Waits until every frame handed over is acknowledged (sending failed ones again). */
  void drain() throws InterruptedException {
    producer.flush();
    while (!inFlight.isEmpty() || !failed.isEmpty()) {
      while (!inFlight.isEmpty()) {
        settleHead();
      }
      if (!failed.isEmpty()) {
        resendFailed();
      }
    }
  }

  /** Frames sent more than once because the producer gave up on them. */
  long resent() {
    return resent;
  }

  private void settleHead() throws InterruptedException {
    InFlight head = inFlight.poll();
    try {
      RecordMetadata md = head.result().get();
      acked.acked(head.frame(), md);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (!(cause instanceof RetriableException)) {
        throw new IllegalStateException(
            "Kafka refused frame " + head.frame().getFrameId() + ": " + cause, cause);
      }
      failed.add(head.frame());
    }
  }

  /**
   * Hands a frame to the producer; one refused before it is sent by a retriable error (the schema
   * registry cannot answer, so the value cannot be encoded yet) waits with the failed ones.
   */
  private void hand(CameraFrame frame) {
    try {
      inFlight.add(new InFlight(frame, producer.send(frame)));
    } catch (RetriableException e) {
      lastRefusal = e.getMessage();
      failed.add(frame);
    }
  }

  /** Every frame in flight settles, then the failed ones go again, in their order. */
  private void resendFailed() throws InterruptedException {
    while (!inFlight.isEmpty()) {
      settleHead();
    }
    while (!failed.isEmpty()) {
      String why =
          failed.size()
              + " frame(s) not acknowledged by Kafka ("
              + (lastRefusal != null ? lastRefusal : "broker unavailable?")
              + "); sending them again in "
              + Duration.ofMillis(pauseMillis).toMillis()
              + " ms";
      problem.accept(why);
      log.warn(why);
      Thread.sleep(pauseMillis);
      pauseMillis = Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
      List<CameraFrame> again = new ArrayList<>(failed);
      failed.clear();
      for (CameraFrame f : again) {
        resent++;
        hand(f);
      }
      while (!inFlight.isEmpty()) {
        settleHead();
      }
    }
    pauseMillis = 250;
    lastRefusal = null;
    problem.accept(null);
    log.info("Kafka takes frames again ({} sent again so far)", resent);
  }
}
