package dev.allspark.trainer;

/** How the network learns. */
public enum Method {
  /** Semi-supervised AllSpark: labeled + unlabeled images, pseudo-labels, Semantic Memory. */
  ALLSPARK,
  /** The baseline: the same network and schedule on labeled images only. */
  SUPERVISED
}
