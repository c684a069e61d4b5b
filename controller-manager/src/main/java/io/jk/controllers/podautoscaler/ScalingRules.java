package io.jk.controllers.podautoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoscaler's memory of one HPA and the behavior rules applied to a raw recommendation, as
 * Kubernetes' {@code normalizeDesiredReplicasWithBehaviors}: stabilization (the lowest
 * recommendation of the scale-up window, the highest of the scale-down window) and rate policies
 * ({@code Pods}/{@code Percent} per period, counting the scale events already made in that
 * period, combined by {@code selectPolicy}), then the min/max bounds.
 *
 * <p>Not thread-safe: the controller serializes work per HPA key.
 */
public final class ScalingRules {

  /** One rate policy. */
  public record Policy(String type, int value, int periodSeconds) {}

  /**
   * The rules of one direction.
   *
   * @param window stabilization window
   * @param selectPolicy {@code Max}, {@code Min} or {@code Disabled}
   * @param policies rate policies
   */
  public record Rules(Duration window, String selectPolicy, List<Policy> policies) {}

  /**
   * The result.
   *
   * @param replicas the replica count to scale to
   * @param stabilized the recommendation after stabilization (before rate and bounds)
   * @param limitReason a ScalingLimited reason ({@code TooManyReplicas}, {@code TooFewReplicas},
   *     {@code ScaleUpLimit}, {@code ScaleDownLimit}) or {@code DesiredWithinRange}
   * @param limitMessage its message
   */
  public record Decision(int replicas, int stabilized, String limitReason, String limitMessage) {}

  private record Recommendation(Instant at, int replicas) {}

  private record ScaleEvent(Instant at, int change) {}

  private final List<Recommendation> recommendations = new ArrayList<>();
  private final List<ScaleEvent> ups = new ArrayList<>();
  private final List<ScaleEvent> downs = new ArrayList<>();
  private Instant lastScale;

  /**
   * Applies the rules to {@code desired} at {@code now} and remembers the recommendation.
   *
   * @param current the target's current replica count
   * @param desired the metrics' recommendation
   */
  public Decision decide(Instant now, int current, int desired, int min, int max, Rules up, Rules down) {
    int upRec = desired;
    int downRec = desired;
    Instant upCutoff = now.minus(up.window());
    Instant downCutoff = now.minus(down.window());
    for (Recommendation r : recommendations) {
      if (r.at().isAfter(upCutoff)) {
        upRec = Math.min(upRec, r.replicas());
      }
      if (r.at().isAfter(downCutoff)) {
        downRec = Math.max(downRec, r.replicas());
      }
    }
    int stabilized = current;
    if (stabilized < upRec) {
      stabilized = upRec;
    }
    if (stabilized > downRec) {
      stabilized = downRec;
    }
    Duration keep = up.window().compareTo(down.window()) > 0 ? up.window() : down.window();
    recommendations.removeIf(r -> !r.at().isAfter(now.minus(keep)));
    recommendations.add(new Recommendation(now, desired));

    if (stabilized > current) {
      int limit = Math.max(current, upLimit(now, current, up));
      if (max > limit) {
        return new Decision(Math.min(limit, stabilized), stabilized, stabilized > limit ? "ScaleUpLimit" : "DesiredWithinRange",
            stabilized > limit ? "the desired replica count is increasing faster than the maximum scale rate"
                : "the desired count is within the acceptable range");
      }
      return new Decision(Math.min(max, stabilized), stabilized, stabilized > max ? "TooManyReplicas" : "DesiredWithinRange",
          stabilized > max ? "the desired replica count is more than the maximum replica count"
              : "the desired count is within the acceptable range");
    }
    if (stabilized < current) {
      int limit = Math.min(current, downLimit(now, current, down));
      if (min < limit) {
        return new Decision(Math.max(limit, stabilized), stabilized, stabilized < limit ? "ScaleDownLimit" : "DesiredWithinRange",
            stabilized < limit ? "the desired replica count is decreasing faster than the maximum scale rate"
                : "the desired count is within the acceptable range");
      }
      return new Decision(Math.max(min, stabilized), stabilized, stabilized < min ? "TooFewReplicas" : "DesiredWithinRange",
          stabilized < min ? "the desired replica count is less than the minimum replica count"
              : "the desired count is within the acceptable range");
    }
    if (stabilized > max) {
      return new Decision(max, stabilized, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
    }
    if (stabilized < min) {
      return new Decision(min, stabilized, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
    }
    return new Decision(stabilized, stabilized, "DesiredWithinRange", "the desired count is within the acceptable range");
  }

  /** When the last rescale recorded here was made, or null. */
  public Instant lastScale() {
    return lastScale;
  }

  /** Records a rescale from {@code from} to {@code to} replicas made at {@code now}. */
  public void recordScale(Instant now, int from, int to) {
    lastScale = now;
    if (to > from) {
      ups.add(new ScaleEvent(now, to - from));
    } else if (to < from) {
      downs.add(new ScaleEvent(now, from - to));
    }
    Instant horizon = now.minusSeconds(1800); // the longest allowed policy period
    ups.removeIf(e -> e.at().isBefore(horizon));
    downs.removeIf(e -> e.at().isBefore(horizon));
  }

  private int upLimit(Instant now, int current, Rules up) {
    if ("Disabled".equals(up.selectPolicy()) || up.policies().isEmpty()) {
      return current;
    }
    boolean min = "Min".equals(up.selectPolicy());
    int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
    for (Policy p : up.policies()) {
      int added = within(ups, now, p.periodSeconds());
      int removed = within(downs, now, p.periodSeconds());
      int start = current - added + removed;
      int proposed = p.type().equals("Pods") ? start + p.value() : (int) Math.ceil(start * (1 + p.value() / 100.0));
      result = min ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  private int downLimit(Instant now, int current, Rules down) {
    if ("Disabled".equals(down.selectPolicy()) || down.policies().isEmpty()) {
      return current;
    }
    boolean min = "Min".equals(down.selectPolicy());
    int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
    for (Policy p : down.policies()) {
      int added = within(ups, now, p.periodSeconds());
      int removed = within(downs, now, p.periodSeconds());
      int start = current + removed - added;
      int proposed = p.type().equals("Pods") ? start - p.value() : (int) (start * (1 - p.value() / 100.0));
      // Max picks the policy allowing the largest change (the lowest count), Min the smallest
      result = min ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  private static int within(List<ScaleEvent> events, Instant now, int periodSeconds) {
    Instant cutoff = now.minusSeconds(periodSeconds);
    int sum = 0;
    for (ScaleEvent e : events) {
      if (e.at().isAfter(cutoff)) {
        sum += e.change();
      }
    }
    return sum;
  }
}
