package dev.allspark.trainer;

/** How the network learns. */
public enum Method {
  /** Semi-supervised AllSpark: labeled + unlabeled images, pseudo-labels, Semantic Memory. */
  ALLSPARK,
  /** The baseline: the same network and schedule on labeled images only. */
  SUPERVISED,
  /**
   * The reference's {@code train_baseline_semi.py} ablation: the same pseudo-labels and loss as
   * AllSpark, but every image, labeled or not, attends to its own channels (as at inference), so
   * nothing is reborn from unlabeled features and the Semantic Memory is unused.
   */
  SELF_TRAINING;

  /** Whether iterations take unlabeled images too. */
  public boolean usesUnlabeled() {
    return this != SUPERVISED;
  }
}
