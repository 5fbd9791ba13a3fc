package dev.allspark.trainer.online;

/**
 * Whether a checkpoint may be published: only if its held-out mIoU has not fallen below the last
 * published one by more than the margin. The first always may. A negative margin demands an
 * improvement of at least that much.
 */
record PublicationGate(double margin) {
  /** The decision and why. */
  record Decision(boolean publish, String reason) {}

  Decision decide(double miou, double lastPublished) {
    if (Double.isNaN(miou)) {
      return new Decision(false, "held-out mIoU is not a number");
    }
    if (Double.isNaN(lastPublished)) {
      return new Decision(true, String.format("first checkpoint (held-out mIoU %.4f)", miou));
    }
    double floor = lastPublished - margin;
    if (miou >= floor) {
      return new Decision(
          true,
          String.format(
              "held-out mIoU %.4f >= %.4f (last published %.4f - margin %.4f)",
              miou, floor, lastPublished, margin));
    }
    return new Decision(
        false,
        String.format(
            "held-out mIoU %.4f < %.4f (last published %.4f - margin %.4f): withheld",
            miou, floor, lastPublished, margin));
  }
}
