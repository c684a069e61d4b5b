package io.jk.scheduler.framework;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * One scheduling profile: the enabled plugins with their score weights, and the cycle that
 * filters nodes (in parallel chunks when there are many), scores a sample of the feasible ones
 * (Kubernetes' {@code percentageOfNodesToScore}) and picks the best, breaking ties at random.
 */
public final class Framework {
  private static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
  private static final int MIN_FEASIBLE_PERCENTAGE = 5;
  private static final int PARALLEL_THRESHOLD = 256;
  private static final int CHUNK = 64;

  private final List<PreFilterPlugin> preFilters = new ArrayList<>();
  private final List<FilterPlugin> filters = new ArrayList<>();
  private final List<ScorePlugin> scorers = new ArrayList<>();
  private final List<ReservePlugin> reservers = new ArrayList<>();
  private BindPlugin binder;
  /** For each PreFilter plugin, the index of the same plugin among the filters, or -1. */
  private final int[] filterIndexOfPreFilter;
  private final Map<String, Integer> weights;
  private final int percentageOfNodesToScore;
  private int nextStartNodeIndex;
  private volatile NominatedPods nominated = NominatedPods.NONE;

  /**
   * @param plugins enabled plugins, in order; each is registered at every extension point it
   *     implements
   * @param weights score weight by plugin name (1 when absent)
   * @param percentageOfNodesToScore 0 for Kubernetes' adaptive default, else 1..100
   */
  public Framework(List<? extends Plugin> plugins, Map<String, Integer> weights,
      int percentageOfNodesToScore) {
    for (Plugin p : plugins) {
      if (p instanceof PreFilterPlugin pf) {
        preFilters.add(pf);
      }
      if (p instanceof FilterPlugin f) {
        filters.add(f);
      }
      if (p instanceof ScorePlugin s) {
        scorers.add(s);
      }
      if (p instanceof ReservePlugin r) {
        reservers.add(r);
      }
      if (p instanceof BindPlugin b && binder == null) {
        binder = b;
      }
    }
    if (filters.size() > 64) {
      throw new IllegalArgumentException("at most 64 filter plugins");
    }
    filterIndexOfPreFilter = new int[preFilters.size()];
    for (int i = 0; i < preFilters.size(); i++) {
      filterIndexOfPreFilter[i] = filters.indexOf(preFilters.get(i));
    }
    this.weights = new HashMap<>(weights);
    if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
      throw new IllegalArgumentException("percentageOfNodesToScore must be in 0..100");
    }
    this.percentageOfNodesToScore = percentageOfNodesToScore;
  }

  /** Sets where nominated pods come from (held against lower-priority pods in filtering). */
  public void setNominatedPods(NominatedPods n) {
    this.nominated = n == null ? NominatedPods.NONE : n;
  }

  /** The outcome of one cycle: a node, or the diagnosis of why there is none. */
  public record Result(String nodeName, int evaluatedNodes, int feasibleNodes,
      Diagnosis diagnosis) {
    /** True when a node was chosen. */
    public boolean scheduled() {
      return nodeName != null;
    }
  }

  /** Runs PreFilter, Filter and Score for {@code pod} and chooses a node. */
  public Result schedule(CycleState state, PodInfo pod, Snapshot snapshot) {
    List<NodeInfo> nodes = snapshot.nodes();
    if (nodes.isEmpty()) {
      return new Result(null, 0, 0, new Diagnosis(0, Map.of(), null));
    }
    Status pre = runPreFilters(state, pod, snapshot);
    if (!pre.isSuccess()) {
      return new Result(null, 0, 0, new Diagnosis(nodes.size(), Map.of(), pre));
    }
    int toFind = numFeasibleNodesToFind(nodes.size());
    Map<String, Status> failures = new ConcurrentHashMap<>();
    List<NodeInfo> feasible = findFeasible(state, pod, nodes, toFind, failures);
    if (feasible.isEmpty()) {
      return new Result(null, nodes.size(), 0, new Diagnosis(nodes.size(), failures, null));
    }
    NodeInfo best = feasible.size() == 1 ? feasible.get(0) : pickBest(state, pod, feasible);
    return new Result(best.name(), nodes.size(), feasible.size(), null);
  }

  /**
   * Runs every PreFilter plugin; the first failure is returned. A plugin answering
   * {@link Status#SKIP} has its Filter left out of this cycle.
   */
  public Status runPreFilters(CycleState state, PodInfo pod, Snapshot snapshot) {
    for (int i = 0; i < preFilters.size(); i++) {
      PreFilterPlugin p = preFilters.get(i);
      Status s = p.preFilter(state, pod, snapshot);
      if (s.code() == Status.Code.SKIP) {
        if (filterIndexOfPreFilter[i] >= 0) {
          state.skipFilter(filterIndexOfPreFilter[i]);
        }
        continue;
      }
      if (!s.isSuccess()) {
        return s.withPlugin(p.name());
      }
    }
    return Status.SUCCESS;
  }

  /**
   * Runs every Filter plugin not skipped in this cycle against one node; the first failure is
   * returned.
   */
  public Status runFilters(CycleState state, PodInfo pod, NodeInfo node) {
    for (int i = 0; i < filters.size(); i++) {
      if (state.filterSkipped(i)) {
        continue;
      }
      FilterPlugin f = filters.get(i);
      Status s = f.filter(state, pod, node);
      if (!s.isSuccess()) {
        return s.withPlugin(f.name());
      }
    }
    return Status.SUCCESS;
  }

  /**
   * Runs the filters as if the pods nominated to {@code node} with at least {@code pod}'s
   * priority were already there (Kubernetes' RunFilterPluginsWithNominatedPods).
   */
  public Status runFiltersWithNominatedPods(CycleState state, PodInfo pod, NodeInfo node) {
    List<PodInfo> noms = nominated.on(node.name());
    NodeInfo target = node;
    for (PodInfo n : noms) {
      if (n.priority() >= pod.priority() && !n.uid().equals(pod.uid())) {
        if (target == node) {
          target = node.copy();
        }
        target.addPod(n);
      }
    }
    return runFilters(state, pod, target);
  }

  /** How many feasible nodes to look for before scoring, as Kubernetes computes it. */
  public int numFeasibleNodesToFind(int total) {
    if (total < MIN_FEASIBLE_NODES_TO_FIND) {
      return total;
    }
    int pct = percentageOfNodesToScore;
    if (pct == 0) {
      pct = Math.max(MIN_FEASIBLE_PERCENTAGE, 50 - total / 125);
    }
    if (pct >= 100) {
      return total;
    }
    return Math.max(MIN_FEASIBLE_NODES_TO_FIND, total * pct / 100);
  }

  private List<NodeInfo> findFeasible(CycleState state, PodInfo pod, List<NodeInfo> nodes,
      int toFind, Map<String, Status> failures) {
    int n = nodes.size();
    int start = nextStartNodeIndex % n;
    NodeInfo[] found = new NodeInfo[n];
    AtomicInteger feasibleCount = new AtomicInteger();
    int processed;
    if (n < PARALLEL_THRESHOLD || filters.isEmpty()) {
      int i = 0;
      for (; i < n && feasibleCount.get() < toFind; i++) {
        check(state, pod, nodes.get((start + i) % n), i, found, feasibleCount, toFind, failures);
      }
      processed = i;
    } else {
      int chunks = (n + CHUNK - 1) / CHUNK;
      AtomicInteger maxIndex = new AtomicInteger();
      IntStream.range(0, chunks).parallel().forEach(c -> {
        for (int i = c * CHUNK; i < Math.min(n, (c + 1) * CHUNK); i++) {
          if (feasibleCount.get() >= toFind) {
            return;
          }
          check(state, pod, nodes.get((start + i) % n), i, found, feasibleCount, toFind, failures);
          maxIndex.accumulateAndGet(i + 1, Math::max);
        }
      });
      processed = maxIndex.get();
    }
    nextStartNodeIndex = (start + processed) % n;
    List<NodeInfo> feasible = new ArrayList<>(Math.min(toFind, n));
    for (NodeInfo f : found) {
      if (f != null && feasible.size() < toFind) {
        feasible.add(f);
      }
    }
    return feasible;
  }

  private void check(CycleState state, PodInfo pod, NodeInfo node, int i, NodeInfo[] found,
      AtomicInteger feasibleCount, int toFind, Map<String, Status> failures) {
    Status s = runFiltersWithNominatedPods(state, pod, node);
    if (s.isSuccess()) {
      if (feasibleCount.incrementAndGet() <= toFind) {
        found[i] = node;
      }
    } else {
      failures.put(node.name(), s);
    }
  }

  private NodeInfo pickBest(CycleState state, PodInfo pod, List<NodeInfo> feasible) {
    long[] total = new long[feasible.size()];
    long[] scores = new long[feasible.size()];
    for (ScorePlugin s : scorers) {
      if (s.preScore(state, pod, feasible).code() == Status.Code.SKIP) {
        continue;
      }
      for (int i = 0; i < scores.length; i++) {
        scores[i] = s.score(state, pod, feasible.get(i));
      }
      s.normalizeScores(state, pod, scores);
      long w = weights.getOrDefault(s.name(), 1);
      for (int i = 0; i < scores.length; i++) {
        total[i] += scores[i] * w;
      }
    }
    // Reservoir sampling among equal best scores: a uniform random tie-break.
    int best = 0;
    int ties = 1;
    for (int i = 1; i < total.length; i++) {
      if (total[i] > total[best]) {
        best = i;
        ties = 1;
      } else if (total[i] == total[best]) {
        ties++;
        if (ThreadLocalRandom.current().nextInt(ties) == 0) {
          best = i;
        }
      }
    }
    return feasible.get(best);
  }

  /** Runs Reserve plugins; on failure unreserves the ones already run. */
  public Status reserve(CycleState state, PodInfo pod, String nodeName) {
    for (int i = 0; i < reservers.size(); i++) {
      Status s = reservers.get(i).reserve(state, pod, nodeName);
      if (!s.isSuccess()) {
        for (int j = i; j >= 0; j--) {
          reservers.get(j).unreserve(state, pod, nodeName);
        }
        return s.withPlugin(reservers.get(i).name());
      }
    }
    return Status.SUCCESS;
  }

  /** Runs Unreserve of every Reserve plugin, in reverse order. */
  public void unreserve(CycleState state, PodInfo pod, String nodeName) {
    for (int j = reservers.size() - 1; j >= 0; j--) {
      reservers.get(j).unreserve(state, pod, nodeName);
    }
  }

  /** Binds through the first Bind plugin. */
  public Future<Void> bind(PodInfo pod, String nodeName) {
    if (binder == null) {
      return Future.failedFuture("no bind plugin enabled");
    }
    return binder.bind(pod, nodeName);
  }
}
