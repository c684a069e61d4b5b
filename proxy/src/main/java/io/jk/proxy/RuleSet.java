package io.jk.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders the proxy's whole nftables table as one {@code nft -f} script, or only the changes
 * between two sets of rules.
 *
 * <p>The full script first makes sure the table exists, deletes it, and declares it again with
 * every chain, map and set; nft applies a file as one transaction, so packets see either the old
 * rules or the new ones, never a half-written table. The layout follows kube-proxy's nftables
 * mode, with one difference measured to matter: no chain per endpoint unless ClientIP affinity
 * needs one. nft 1.0.6 dumps every chain of the table before any command (about 100 bytes per
 * chain), so 1,000 Services x 10 endpoints as 11,000 chains cost ~1.1 MB of netlink dump and
 * most of an incremental sync; 1,000 chains cost a tenth of that.
 *
 * <pre>
 * nat-prerouting / nat-output  -> services: ip daddr . l4proto . dport vmap @service-ips
 *                                           local daddr l4proto . dport vmap @service-nodeports
 * svc_X:  [mark for masquerade if from outside the cluster CIDR]
 *         dnat to numgen random mod N map { i : ip_i . port_i }
 *   or, with ClientIP affinity:
 * svc_X:  [mark ...] ip saddr @aff_X_i goto ep_X_i ... numgen random mod N vmap { i : goto ep_X_i }
 * ep_X_i: update @aff_X_i { ip saddr }  dnat to ip:port
 * filter-input/forward/output -> reject (tcp reset) for a service port without ready endpoints
 * nat-postrouting: masquerade marked packets; hairpin (DNATed back to its own source, found
 *                  in the set of endpoint pairs); pod traffic leaving the cluster CIDR
 * </pre>
 */
public final class RuleSet {
  /** The one table the proxy owns. */
  public static final String TABLE = "jk-proxy";
  private static final String MASQ_MARK = "0x4000";

  private final List<String> lines = new ArrayList<>();
  private int ruleCount;

  private RuleSet() {}

  /** A rendered script and the number of rules in it. */
  public record Script(String text, int rules) {}

  /**
   * Renders the table for {@code services}.
   *
   * @param services service ports to program
   * @param clusterCidr the pod network (e.g. {@code 10.244.0.0/16}), or null when unknown: then no
   *     masquerade for traffic from outside the pod network and no egress masquerade
   */
  public static Script render(List<ServicePortRule> services, String clusterCidr) {
    RuleSet r = new RuleSet();
    r.build(services, clusterCidr);
    return new Script(String.join("\n", r.lines) + "\n", r.ruleCount);
  }

  /** The number of rules and elements {@link #render} would produce, without rendering. */
  public static int countRules(List<ServicePortRule> services, String clusterCidr) {
    int count = 1 + (clusterCidr == null ? 2 : 3) + 1 + 1 + 2 + 4 + 3 + endpointIps(services).size();
    for (ServicePortRule s : services) {
      int n = s.endpoints().size();
      count += s.nodePort() > 0 ? 2 : 1;
      if (n > 0) {
        boolean aff = s.affinityTimeoutSeconds() > 0;
        count += (clusterCidr == null ? 0 : 1) + (aff ? n : 0) + 1;
        count += s.nodePort() > 0 ? 2 : 0;
        count += aff ? n * 2 : 0;
      }
    }
    return count;
  }

  /** The script that removes the proxy's table (and nothing else), tolerating its absence. */
  public static String cleanupScript() {
    return "add table ip " + TABLE + "\ndelete table ip " + TABLE + "\n";
  }

  private void build(List<ServicePortRule> services, String cidr) {
    lines.add("add table ip " + TABLE);
    lines.add("delete table ip " + TABLE);
    lines.add("table ip " + TABLE + " {");

    List<String> serviceIps = new ArrayList<>();
    List<String> nodePorts = new ArrayList<>();
    List<String> noEndpointIps = new ArrayList<>();
    List<String> noEndpointNodePorts = new ArrayList<>();
    for (ServicePortRule s : services) {
      String key = s.clusterIp() + " . " + s.protocol() + " . " + s.port();
      String nodeKey = s.protocol() + " . " + s.nodePort();
      if (s.endpoints().isEmpty()) {
        noEndpointIps.add(key);
        if (s.nodePort() > 0) {
          noEndpointNodePorts.add(nodeKey);
        }
        continue;
      }
      serviceIps.add(key + " : goto " + svcChain(s));
      if (s.nodePort() > 0) {
        nodePorts.add(nodeKey + " : goto " + extChain(s));
      }
    }

    declare("map service-ips", "type ipv4_addr . inet_proto . inet_service : verdict", serviceIps);
    declare("map service-nodeports", "type inet_proto . inet_service : verdict", nodePorts);
    declare("set no-endpoint-services", "type ipv4_addr . inet_proto . inet_service", noEndpointIps);
    declare("set no-endpoint-nodeports", "type inet_proto . inet_service", noEndpointNodePorts);
    List<String> pairs = new ArrayList<>();
    new java.util.TreeSet<>(endpointIps(services)).forEach(ip -> pairs.add(ip + " . " + ip));
    declare("set hairpin", "type ipv4_addr . ipv4_addr", pairs);

    chain("mark-for-masquerade", null, "meta mark set meta mark | " + MASQ_MARK);
    List<String> post = new ArrayList<>();
    post.add("meta mark & " + MASQ_MARK + " == " + MASQ_MARK + " masquerade fully-random");
    // A pod sent to itself through its Service: DNAT made source and destination equal.
    post.add("ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random");
    if (cidr != null) {
      post.add("ip saddr " + cidr + " ip daddr != " + cidr + " fib daddr type != local masquerade");
    }
    chain("nat-postrouting", "type nat hook postrouting priority 100; policy accept;",
        post.toArray(String[]::new));
    chain("nat-prerouting", "type nat hook prerouting priority -100; policy accept;", "jump services");
    chain("nat-output", "type nat hook output priority -100; policy accept;", "jump services");
    chain("services", null,
        "ip daddr . meta l4proto . th dport vmap @service-ips",
        "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports");

    // Set lookups before the fib lookup: every new connection of the node passes here.
    String[] reject = {
        "ip daddr . meta l4proto . th dport @no-endpoint-services meta l4proto tcp reject with tcp reset",
        "ip daddr . meta l4proto . th dport @no-endpoint-services reject",
        "meta l4proto . th dport @no-endpoint-nodeports ip daddr != 127.0.0.0/8 fib daddr type local "
            + "meta l4proto tcp reject with tcp reset",
        "meta l4proto . th dport @no-endpoint-nodeports ip daddr != 127.0.0.0/8 fib daddr type local reject"};
    chain("endpoints-check", null, reject);
    for (String hook : List.of("input", "forward", "output")) {
      chain("filter-" + hook, "type filter hook " + hook + " priority -10; policy accept;",
          "ct state new jump endpoints-check");
    }

    for (ServicePortRule s : services) {
      if (!s.endpoints().isEmpty()) {
        serviceChains(s, cidr);
      }
    }
    lines.add("}");
  }

  private void serviceChains(ServicePortRule s, String cidr) {
    int n = s.endpoints().size();
    List<String> svc = new ArrayList<>();
    if (cidr != null) {
      svc.add("ip saddr != " + cidr + " jump mark-for-masquerade");
    }
    if (s.affinityTimeoutSeconds() <= 0) {
      // No chain per endpoint: the random pick and the DNAT are one rule.
      String pre = "meta l4proto " + s.protocol() + " dnat to ";
      if (n == 1) {
        svc.add(pre + target(s.endpoints().get(0)));
      } else {
        StringBuilder map = new StringBuilder(pre + "numgen random mod " + n + " map { ");
        for (int i = 0; i < n; i++) {
          ServicePortRule.Endpoint ep = s.endpoints().get(i);
          map.append(i == 0 ? "" : ", ").append(i).append(" : ").append(ep.ip()).append(" . ").append(ep.port());
        }
        svc.add(map.append(" }").toString());
      }
      chain(svcChain(s), null, svc.toArray(String[]::new));
    } else {
      for (int i = 0; i < n; i++) {
        lines.add("  set " + affinitySet(s, i) + " { type ipv4_addr; flags dynamic,timeout; timeout "
            + s.affinityTimeoutSeconds() + "s; }");
        svc.add("ip saddr @" + affinitySet(s, i) + " goto " + epChain(s, i));
      }
      StringBuilder vmap = new StringBuilder("numgen random mod " + n + " vmap { ");
      for (int i = 0; i < n; i++) {
        vmap.append(i == 0 ? "" : ", ").append(i).append(" : goto ").append(epChain(s, i));
      }
      svc.add(vmap.append(" }").toString());
      chain(svcChain(s), null, svc.toArray(String[]::new));
      for (int i = 0; i < n; i++) {
        chain(epChain(s, i), null, "update @" + affinitySet(s, i) + " { ip saddr }",
            "meta l4proto " + s.protocol() + " dnat to " + target(s.endpoints().get(i)));
      }
    }
    if (s.nodePort() > 0) {
      // NodePort traffic (externalTrafficPolicy: Cluster) is always masqueraded so replies return here.
      chain(extChain(s), null, "jump mark-for-masquerade", "goto " + svcChain(s));
    }
  }

  private static String target(ServicePortRule.Endpoint ep) {
    return ep.ip() + ":" + ep.port();
  }

  /** Every endpoint address: the hairpin set holds {@code ip . ip} for each (what a hairpin connection has after DNAT). */
  private static java.util.Set<String> endpointIps(java.util.Collection<ServicePortRule> services) {
    java.util.Set<String> ips = new java.util.HashSet<>();
    for (ServicePortRule s : services) {
      for (ServicePortRule.Endpoint ep : s.endpoints()) {
        ips.add(ep.ip());
      }
    }
    return ips;
  }

  /**
   * Renders only what changed between {@code before} (the rules last applied) and {@code after}:
   * the map and set elements of changed service ports are swapped and their chains flushed and
   * refilled, all in one transaction. Chains and affinity sets of unchanged ports stay as they
   * are (so their ClientIP affinity survives). Returns null when nothing changed.
   */
  public static Script renderChanges(java.util.Map<String, ServicePortRule> before,
      java.util.Map<String, ServicePortRule> after, String clusterCidr) {
    List<String> remove = new ArrayList<>();
    List<String> flush = new ArrayList<>();
    List<String> drop = new ArrayList<>();
    RuleSet add = new RuleSet();
    List<String> addElements = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    java.util.Set<String> ids = new java.util.TreeSet<>(before.keySet());
    ids.addAll(after.keySet());
    for (String id : ids) {
      ServicePortRule o = before.get(id);
      ServicePortRule n = after.get(id);
      if (java.util.Objects.equals(o, n)) {
        continue;
      }
      changed.add(id);
      java.util.Set<String> newChains = n == null ? java.util.Set.of() : chainNames(n);
      java.util.Set<String> newSets = n == null ? java.util.Set.of() : setNames(n);
      if (o != null) {
        remove.addAll(elementOps("delete", o));
        for (String c : chainNames(o)) {
          flush.add("flush chain ip " + TABLE + " " + c);
          if (!newChains.contains(c)) {
            drop.add("delete chain ip " + TABLE + " " + c);
          }
        }
        for (String set : setNames(o)) {
          if (!newSets.contains(set)) {
            drop.add("delete set ip " + TABLE + " " + set);
          }
        }
      }
      if (n != null) {
        if (!n.endpoints().isEmpty()) {
          add.serviceChains(n, clusterCidr);
        }
        addElements.addAll(elementOps("add", n));
      }
    }
    // Hairpin pairs: only addresses of changed ports can come or go; whether another port still
    // uses one is answered from the full sets, built only when something changed.
    java.util.SortedSet<String> candidates = new java.util.TreeSet<>();
    for (String id : changed) {
      for (ServicePortRule r : new ServicePortRule[] {before.get(id), after.get(id)}) {
        if (r != null) {
          r.endpoints().forEach(ep -> candidates.add(ep.ip()));
        }
      }
    }
    if (!candidates.isEmpty()) {
      java.util.Set<String> ipsBefore = endpointIps(before.values());
      java.util.Set<String> ipsAfter = endpointIps(after.values());
      for (String ip : candidates) {
        if (ipsBefore.contains(ip) && !ipsAfter.contains(ip)) {
          remove.add("delete element ip " + TABLE + " hairpin { " + ip + " . " + ip + " }");
        } else if (!ipsBefore.contains(ip) && ipsAfter.contains(ip)) {
          addElements.add("add element ip " + TABLE + " hairpin { " + ip + " . " + ip + " }");
        }
      }
    }
    if (remove.isEmpty() && flush.isEmpty() && addElements.isEmpty() && add.lines.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    out.addAll(remove);
    out.addAll(flush);
    out.addAll(drop);
    if (!add.lines.isEmpty()) {
      out.add("table ip " + TABLE + " {");
      out.addAll(add.lines);
      out.add("}");
    }
    out.addAll(addElements);
    return new Script(String.join("\n", out) + "\n", add.ruleCount + addElements.size());
  }

  private static List<String> elementOps(String verb, ServicePortRule s) {
    String key = s.clusterIp() + " . " + s.protocol() + " . " + s.port();
    String nodeKey = s.protocol() + " . " + s.nodePort();
    String pre = verb + " element ip " + TABLE + " ";
    List<String> ops = new ArrayList<>();
    if (s.endpoints().isEmpty()) {
      ops.add(pre + "no-endpoint-services { " + key + " }");
      if (s.nodePort() > 0) {
        ops.add(pre + "no-endpoint-nodeports { " + nodeKey + " }");
      }
    } else {
      ops.add(pre + "service-ips { " + key + (verb.equals("add") ? " : goto " + svcChain(s) : "") + " }");
      if (s.nodePort() > 0) {
        ops.add(pre + "service-nodeports { " + nodeKey + (verb.equals("add") ? " : goto " + extChain(s) : "") + " }");
      }
    }
    return ops;
  }

  /** The chains a service port with endpoints has (none without endpoints). */
  private static java.util.Set<String> chainNames(ServicePortRule s) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    if (s.endpoints().isEmpty()) {
      return names;
    }
    names.add(svcChain(s));
    if (s.nodePort() > 0) {
      names.add(extChain(s));
    }
    if (s.affinityTimeoutSeconds() > 0) {
      for (int i = 0; i < s.endpoints().size(); i++) {
        names.add(epChain(s, i));
      }
    }
    return names;
  }

  private static java.util.Set<String> setNames(ServicePortRule s) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    if (s.affinityTimeoutSeconds() > 0) {
      for (int i = 0; i < s.endpoints().size(); i++) {
        names.add(affinitySet(s, i));
      }
    }
    return names;
  }

  private void declare(String what, String type, List<String> elements) {
    StringBuilder b = new StringBuilder("  ").append(what).append(" { ").append(type).append(";");
    if (!elements.isEmpty()) {
      b.append(" elements = { ").append(String.join(", ", elements)).append(" }");
      ruleCount += elements.size();
    }
    lines.add(b.append(" }").toString());
  }

  private void chain(String name, String hook, String... rules) {
    lines.add("  chain " + name + " {");
    if (hook != null) {
      lines.add("    " + hook);
    }
    for (String rule : rules) {
      lines.add("    " + rule);
    }
    ruleCount += rules.length;
    lines.add("  }");
  }

  private static String svcChain(ServicePortRule s) {
    return "svc_" + ident(s);
  }

  private static String extChain(ServicePortRule s) {
    return "ext_" + ident(s);
  }

  /** Named by the endpoint, not its index, so an endpoint that stays keeps its affinity set. */
  private static String epChain(ServicePortRule s, int i) {
    return "ep_" + ident(s) + "_" + endpointIdent(s.endpoints().get(i));
  }

  private static String affinitySet(ServicePortRule s, int i) {
    return "aff_" + ident(s) + "_" + endpointIdent(s.endpoints().get(i));
  }

  private static String endpointIdent(ServicePortRule.Endpoint ep) {
    return ep.ip().replace('.', '_') + "_" + ep.port();
  }

  /** Namespace, name and port name are DNS labels, so mapping the separators to '_' stays unique. */
  private static String ident(ServicePortRule s) {
    return (s.id() + "_" + s.protocol()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "_");
  }
}
