package io.jk.scheduler.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NamespaceLabels;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.PreFilterPlugin;
import io.jk.scheduler.framework.ScorePlugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.Selectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Required and preferred pod affinity and anti-affinity: the pod's own terms, and the required
 * anti-affinity of pods already placed (symmetry).
 *
 * <p>A term applies to pods in the namespaces it lists and in those its {@code namespaceSelector}
 * selects (the union; an empty selector selects every namespace); with neither, to pods in the
 * namespace of the pod declaring the term.
 */
public final class InterPodAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  /** Reason: the pod's affinity is not met. */
  public static final String AFFINITY = "node(s) didn't match pod affinity rules";
  /** Reason: the pod's anti-affinity is not met. */
  public static final String ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
  /** Reason: an existing pod's anti-affinity forbids this one. */
  public static final String EXISTING_ANTI =
      "node(s) didn't satisfy existing pods anti-affinity rules";

  /** Domains ("key=value") per required term, and domains forbidden by existing pods. */
  record State(List<Set<String>> affinityDomains, boolean[] affinityNoMatchAnywhere,
      List<Set<String>> antiDomains, Set<String> existingAntiDomains,
      Map<String, Long> preferredScoreByDomain) {}

  private final NamespaceLabels namespaces;

  /** A plugin that knows no namespace objects (selectors see only the name label). */
  public InterPodAffinity() {
    this(NamespaceLabels.NONE);
  }

  /** A plugin reading namespace labels from {@code namespaces} for namespace selectors. */
  public InterPodAffinity(NamespaceLabels namespaces) {
    this.namespaces = namespaces;
  }

  @Override
  public String name() {
    return "InterPodAffinity";
  }

  private static List<PodAffinityTerm> required(PodInfo p, boolean anti) {
    Affinity a = p.pod().getSpec().getAffinity();
    if (a == null) {
      return List.of();
    }
    var terms = anti
        ? (a.getPodAntiAffinity() == null ? null
            : a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        : (a.getPodAffinity() == null ? null
            : a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
    return terms == null ? List.of() : terms;
  }

  private static List<WeightedPodAffinityTerm> preferred(PodInfo p, boolean anti) {
    Affinity a = p.pod().getSpec().getAffinity();
    if (a == null) {
      return List.of();
    }
    var terms = anti
        ? (a.getPodAntiAffinity() == null ? null
            : a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        : (a.getPodAffinity() == null ? null
            : a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
    return terms == null ? List.of() : terms;
  }

  /** Whether {@code target} is selected by {@code term} declared by a pod in {@code ownerNs}. */
  boolean termMatches(PodAffinityTerm term, String ownerNs, PodInfo target) {
    return namespaceMatches(term, ownerNs, target.namespace(), namespaces)
        && Selectors.matches(term.getLabelSelector(), target.pod().getMetadata().getLabels());
  }

  /**
   * Whether {@code term}, declared by a pod in {@code ownerNs}, applies to pods in namespace
   * {@code ns}: listed in {@code namespaces} or selected by {@code namespaceSelector}; with
   * neither set, only the owner's namespace (Kubernetes' GetNamespacesFromPodAffinityTerm).
   */
  public static boolean namespaceMatches(PodAffinityTerm term, String ownerNs, String ns,
      NamespaceLabels labels) {
    List<String> listed = term.getNamespaces();
    boolean hasList = listed != null && !listed.isEmpty();
    if (!hasList && term.getNamespaceSelector() == null) {
      return ns.equals(ownerNs);
    }
    return (hasList && listed.contains(ns)) || (term.getNamespaceSelector() != null
        && Selectors.matches(term.getNamespaceSelector(), labels.of(ns)));
  }

  @Override
  public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
    List<PodAffinityTerm> aff = required(pod, false);
    List<PodAffinityTerm> anti = required(pod, true);
    List<WeightedPodAffinityTerm> prefAff = preferred(pod, false);
    List<WeightedPodAffinityTerm> prefAnti = preferred(pod, true);
    List<Set<String>> affDomains = new ArrayList<>();
    List<Set<String>> antiDomains = new ArrayList<>();
    aff.forEach(t -> affDomains.add(new HashSet<>()));
    anti.forEach(t -> antiDomains.add(new HashSet<>()));
    Set<String> existingAnti = new HashSet<>();
    Map<String, Long> pref = new HashMap<>();
    boolean own = !aff.isEmpty() || !anti.isEmpty() || !prefAff.isEmpty() || !prefAnti.isEmpty();
    if (!own && snapshot.podsWithAffinity() == 0) {
      return Status.SKIP; // nothing placed can constrain this pod, and it has no terms
    }
    for (NodeInfo n : snapshot.nodes()) {
      if (!own && n.podsWithAffinity() == 0) {
        continue; // nothing here can constrain or attract this pod
      }
      Map<String, String> labels = n.labels();
      for (PodInfo p : n.pods()) {
        for (int i = 0; i < aff.size(); i++) {
          addDomain(aff.get(i), pod, p, labels, affDomains.get(i));
        }
        for (int i = 0; i < anti.size(); i++) {
          addDomain(anti.get(i), pod, p, labels, antiDomains.get(i));
        }
        for (PodAffinityTerm t : required(p, true)) {
          String v = labels.get(t.getTopologyKey());
          if (v != null && termMatches(t, p.namespace(), pod)) {
            existingAnti.add(t.getTopologyKey() + "=" + v);
          }
        }
        for (WeightedPodAffinityTerm w : prefAff) {
          addWeight(w, +1, pod, p, labels, pref);
        }
        for (WeightedPodAffinityTerm w : prefAnti) {
          addWeight(w, -1, pod, p, labels, pref);
        }
      }
    }
    boolean[] noMatch = new boolean[aff.size()];
    for (int i = 0; i < aff.size(); i++) {
      // The first pod of a group that selects itself may go anywhere.
      noMatch[i] = affDomains.get(i).isEmpty() && termMatches(aff.get(i), pod.namespace(), pod);
    }
    state.write(name(), new State(affDomains, noMatch, antiDomains, existingAnti, pref));
    // Nothing to check when the pod has no required terms and no placed pod's anti-affinity
    // selects it.
    return aff.isEmpty() && anti.isEmpty() && existingAnti.isEmpty() ? Status.SKIP
        : Status.SUCCESS;
  }

  /** Skipped when no preferred term matched any placed pod: every score would be 0. */
  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> feasible) {
    State s = state.read(name());
    return s == null || s.preferredScoreByDomain().isEmpty() ? Status.SKIP : Status.SUCCESS;
  }

  private void addDomain(PodAffinityTerm t, PodInfo owner, PodInfo p,
      Map<String, String> labels, Set<String> into) {
    String v = labels.get(t.getTopologyKey());
    if (v != null && termMatches(t, owner.namespace(), p)) {
      into.add(t.getTopologyKey() + "=" + v);
    }
  }

  private void addWeight(WeightedPodAffinityTerm w, int sign, PodInfo owner, PodInfo p,
      Map<String, String> labels, Map<String, Long> into) {
    PodAffinityTerm t = w.getPodAffinityTerm();
    if (t == null || w.getWeight() == null) {
      return;
    }
    String v = labels.get(t.getTopologyKey());
    if (v != null && termMatches(t, owner.namespace(), p)) {
      into.merge(t.getTopologyKey() + "=" + v, (long) sign * w.getWeight(), Long::sum);
    }
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    State s = state.read(name());
    if (s == null) {
      return Status.SUCCESS;
    }
    Map<String, String> labels = node.labels();
    // Kubernetes' order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
    List<PodAffinityTerm> aff = required(pod, false);
    for (int i = 0; i < aff.size(); i++) {
      String v = labels.get(aff.get(i).getTopologyKey());
      if (v == null || (!s.affinityNoMatchAnywhere()[i]
          && !s.affinityDomains().get(i).contains(aff.get(i).getTopologyKey() + "=" + v))) {
        return Status.unresolvable(AFFINITY);
      }
    }
    List<PodAffinityTerm> anti = required(pod, true);
    for (int i = 0; i < anti.size(); i++) {
      String v = labels.get(anti.get(i).getTopologyKey());
      if (v != null && s.antiDomains().get(i).contains(anti.get(i).getTopologyKey() + "=" + v)) {
        return Status.unschedulable(ANTI_AFFINITY);
      }
    }
    for (String d : s.existingAntiDomains()) {
      int eq = d.indexOf('=');
      if (d.substring(eq + 1).equals(labels.get(d.substring(0, eq)))) {
        return Status.unschedulable(EXISTING_ANTI);
      }
    }
    return Status.SUCCESS;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    State s = state.read(name());
    if (s == null || s.preferredScoreByDomain().isEmpty()) {
      return 0;
    }
    long sum = 0;
    for (var e : s.preferredScoreByDomain().entrySet()) {
      int eq = e.getKey().indexOf('=');
      if (e.getKey().substring(eq + 1).equals(node.labels().get(e.getKey().substring(0, eq)))) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  @Override
  public void normalizeScores(CycleState state, PodInfo pod, long[] scores) {
    long min = 0;
    long max = 0;
    for (long s : scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    for (int i = 0; i < scores.length; i++) {
      scores[i] = max == min ? 0 : (scores[i] - min) * MAX_SCORE / (max - min);
    }
  }
}
