package io.jk.common.controller;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The outcome of one successful {@link Reconciler#reconcile}: done, or look again later. */
public final class Result {

  private static final Result DONE = new Result(null);

  private final Duration requeueAfter;

  private Result(Duration requeueAfter) {
    this.requeueAfter = requeueAfter;
  }

  /** Nothing more to do until the next event. */
  public static Result done() {
    return DONE;
  }

  /** Reconcile the key again after {@code delay} (e.g. when minReadySeconds will have passed). */
  public static Result requeueAfter(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    return new Result(delay.isNegative() ? Duration.ZERO : delay);
  }

  /** The requested delay, if any. */
  public Optional<Duration> requeueAfter() {
    return Optional.ofNullable(requeueAfter);
  }

  /** The earlier of two requeue requests (done counts as never). */
  public Result min(Result other) {
    if (requeueAfter == null) {
      return other;
    }
    if (other.requeueAfter == null) {
      return this;
    }
    return requeueAfter.compareTo(other.requeueAfter) <= 0 ? this : other;
  }

  @Override
  public String toString() {
    return requeueAfter == null ? "Result.done" : "Result.requeueAfter(" + requeueAfter + ")";
  }
}
