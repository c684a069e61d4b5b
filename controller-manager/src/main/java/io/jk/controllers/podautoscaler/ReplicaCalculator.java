package io.jk.controllers.podautoscaler;

import java.util.Map;
import java.util.Set;

/**
 * The replica count one Resource metric asks for, as Kubernetes' replica calculator does: the
 * usage ratio over the pods that have metrics, a tolerance band around 1.0 within which nothing
 * changes, and a second, conservative pass when some pods had no metrics (assumed at the target
 * when scaling down, at zero when scaling up) or were not ready (assumed at zero when scaling up).
 *
 * <p>Left out compared to Kubernetes: the CPU initialization period (a pod that is not Ready is
 * simply not counted for CPU) and the metric timestamp checks.
 */
public final class ReplicaCalculator {

  /** Kubernetes' default {@code --horizontal-pod-autoscaler-tolerance}. */
  public static final double TOLERANCE = 0.1;

  /**
   * The outcome for one metric.
   *
   * @param replicas the proposed replica count
   * @param utilization current average utilization in percent of requests (−1 for AverageValue targets)
   * @param averageMilli current average usage per pod in thousandths of the unit
   */
  public record Proposal(int replicas, int utilization, long averageMilli) {}

  private ReplicaCalculator() {}

  /**
   * The proposal for a Utilization target.
   *
   * @param current the target's current replica count
   * @param usage usage by pod name (ready pods with metrics and others)
   * @param requests request by pod name, for every counted pod
   * @param ready the names of pods counted as ready
   * @param all the names of every active pod
   * @param targetPercent the target utilization
   * @throws IllegalStateException when no ready pod has metrics or a pod misses a request
   */
  public static Proposal utilization(int current, Map<String, Long> usage, Map<String, Long> requests,
      Set<String> ready, Set<String> all, int targetPercent) {
    long usageSum = 0;
    long requestSum = 0;
    int counted = 0;
    for (String pod : all) {
      if (!ready.contains(pod) || !usage.containsKey(pod)) {
        continue;
      }
      Long req = requests.get(pod);
      if (req == null || req <= 0) {
        throw new IllegalStateException("missing request for the resource in pod " + pod);
      }
      usageSum += usage.get(pod);
      requestSum += req;
      counted++;
    }
    if (counted == 0) {
      throw new IllegalStateException("did not receive metrics for targeted pods (pods might be unready)");
    }
    int utilization = (int) (usageSum * 100 / requestSum);
    double ratio = (double) utilization / targetPercent;
    long average = usageSum / counted;
    int missing = 0;
    int unready = 0;
    for (String pod : all) {
      if (!usage.containsKey(pod)) {
        missing++;
      } else if (!ready.contains(pod)) {
        unready++;
      }
    }
    boolean rebalance = missing > 0 || (unready > 0 && ratio > 1.0);
    if (!rebalance) {
      if (Math.abs(1.0 - ratio) <= TOLERANCE) {
        return new Proposal(current, utilization, average);
      }
      return new Proposal((int) Math.ceil(ratio * counted), utilization, average);
    }
    // conservative pass: missing pods at the target when scaling down and at 0 when scaling up;
    // unready pods at 0 when scaling up
    long newUsage = usageSum;
    long newRequests = requestSum;
    int newCount = counted;
    for (String pod : all) {
      boolean isMissing = !usage.containsKey(pod);
      boolean isUnready = !isMissing && !ready.contains(pod);
      if (!(isMissing || (isUnready && ratio > 1.0))) {
        continue;
      }
      long req = requests.getOrDefault(pod, 0L);
      if (req <= 0) {
        continue;
      }
      if (isMissing && ratio < 1.0) {
        newUsage += req * targetPercent / 100;
      }
      newRequests += req;
      newCount++;
    }
    double newRatio = (double) (newUsage * 100 / newRequests) / targetPercent;
    if (Math.abs(1.0 - newRatio) <= TOLERANCE || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) {
      return new Proposal(current, utilization, average);
    }
    int proposed = (int) Math.ceil(newRatio * newCount);
    if ((newRatio < 1.0 && proposed > current) || (newRatio > 1.0 && proposed < current)) {
      return new Proposal(current, utilization, average);
    }
    return new Proposal(proposed, utilization, average);
  }

  /**
   * The proposal for an AverageValue target of {@code targetMilli} per pod, over the ready pods
   * with metrics (missing and unready pods are left out).
   *
   * @throws IllegalStateException when no ready pod has metrics
   */
  public static Proposal averageValue(int current, Map<String, Long> usage, Set<String> ready, long targetMilli) {
    long sum = 0;
    int counted = 0;
    for (Map.Entry<String, Long> e : usage.entrySet()) {
      if (ready.contains(e.getKey())) {
        sum += e.getValue();
        counted++;
      }
    }
    if (counted == 0) {
      throw new IllegalStateException("did not receive metrics for targeted pods (pods might be unready)");
    }
    double ratio = (double) sum / (targetMilli * (double) counted);
    long average = sum / counted;
    if (Math.abs(1.0 - ratio) <= TOLERANCE) {
      return new Proposal(current, -1, average);
    }
    return new Proposal((int) Math.ceil(ratio * counted), -1, average);
  }
}
