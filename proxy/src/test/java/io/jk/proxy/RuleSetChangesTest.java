package io.jk.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Incremental syncs against the real kernel: after each step of a series of changes, the table
 * that {@link RuleSet#renderChanges} left behind holds exactly what a full rewrite of the same
 * rules holds (in two scratch network namespaces made and removed here).
 */
class RuleSetChangesTest {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private static final String CIDR = "10.244.0.0/16";
  private static final HostCommands HOST = new HostCommands(null);
  private static String incremental;
  private static String full;

  @BeforeAll
  static void namespaces() throws IOException {
    Assumptions.assumeTrue(ROOT, "needs root: network namespaces and nftables");
    String prefix = "jkrs" + ProcessHandle.current().pid() % 100000;
    incremental = prefix + "-inc";
    full = prefix + "-full";
    HOST.ip("netns", "add", incremental);
    HOST.ip("netns", "add", full);
  }

  @AfterAll
  static void removeNamespaces() throws IOException {
    for (String ns : new String[] {incremental, full}) {
      if (ns != null) {
        HOST.ip("netns", "del", ns);
      }
    }
  }

  @Test
  void everyIncrementalStepLeavesTheTableAFullRewriteWouldMake() throws IOException {
    List<Map<String, ServicePortRule>> steps = new ArrayList<>();
    steps.add(state(rule("a", "10.96.0.1", 0, 0, "10.244.1.1", "10.244.1.2"), rule("b", "10.96.0.2", 30080, 0, "10.244.1.3")));
    // An endpoint replaced (its hairpin pair goes, the new one comes), a service added without endpoints.
    steps.add(state(rule("a", "10.96.0.1", 0, 0, "10.244.1.1", "10.244.2.9"), rule("b", "10.96.0.2", 30080, 0, "10.244.1.3"),
        rule("c", "10.96.0.3", 30081, 0)));
    // ClientIP affinity switched on (chains per endpoint appear), c gets endpoints shared with a.
    steps.add(state(rule("a", "10.96.0.1", 0, 60, "10.244.1.1", "10.244.2.9"), rule("b", "10.96.0.2", 30080, 0, "10.244.1.3"),
        rule("c", "10.96.0.3", 30081, 0, "10.244.1.1")));
    // Affinity off again, b loses its endpoints, c removed.
    steps.add(state(rule("a", "10.96.0.1", 0, 0, "10.244.1.1"), rule("b", "10.96.0.2", 30080, 0)));
    steps.add(state());

    HostCommands inc = new HostCommands(incremental);
    inc.nft(RuleSet.render(List.copyOf(steps.get(0).values()), CIDR).text());
    for (int i = 1; i < steps.size(); i++) {
      RuleSet.Script changes = RuleSet.renderChanges(steps.get(i - 1), steps.get(i), CIDR);
      inc.nft(changes.text());
      HostCommands fresh = new HostCommands(full);
      fresh.nft(RuleSet.render(List.copyOf(steps.get(i).values()), CIDR).text());
      assertEquals(canonical(fresh), canonical(inc), "step " + i);
    }
    assertNull(RuleSet.renderChanges(steps.get(1), steps.get(1), CIDR), "no change, no transaction");
  }

  @Test
  void anEndpointChangeTouchesOneServiceChainAndNoEndpointChain() {
    Map<String, ServicePortRule> before = new LinkedHashMap<>();
    for (int i = 0; i < 50; i++) {
      ServicePortRule r = rule("s" + i, "10.96.1." + (i + 1), 0, 0, "10.244.3." + (i + 1), "10.244.4." + (i + 1));
      before.put(r.id(), r);
    }
    Map<String, ServicePortRule> after = new LinkedHashMap<>(before);
    ServicePortRule changed = rule("s7", "10.96.1.8", 0, 0, "10.244.3.8", "10.244.5.8");
    after.put(changed.id(), changed);
    String text = RuleSet.renderChanges(before, after, CIDR).text();
    assertEquals(1, text.lines().filter(l -> l.startsWith("flush chain")).count(), text);
    assertTrue(text.contains("flush chain ip jk-proxy svc_default_s7_http_tcp"), text);
    assertTrue(text.contains("delete element ip jk-proxy hairpin { 10.244.4.8 . 10.244.4.8 }"), text);
    assertTrue(text.contains("add element ip jk-proxy hairpin { 10.244.5.8 . 10.244.5.8 }"), text);
    assertFalse(text.contains("chain ep_"), text);
    assertFalse(text.contains("delete table"), "incremental, not a rewrite");
  }

  @Test
  void anEndpointThatStaysKeepsItsClientIpAffinityMemory() {
    Map<String, ServicePortRule> before = state(rule("sticky", "10.96.0.9", 0, 60, "10.244.1.1", "10.244.1.2"));
    Map<String, ServicePortRule> after = state(rule("sticky", "10.96.0.9", 0, 60, "10.244.1.2", "10.244.1.3"));
    String text = RuleSet.renderChanges(before, after, CIDR).text();
    assertTrue(text.contains("delete set ip jk-proxy aff_default_sticky_http_tcp_10_244_1_1_8080"), text);
    assertFalse(text.contains("delete set ip jk-proxy aff_default_sticky_http_tcp_10_244_1_2_8080"),
        "the staying endpoint's set (its clients) survives: " + text);
    assertTrue(text.contains("set aff_default_sticky_http_tcp_10_244_1_3_8080"), text);
  }

  private static Map<String, ServicePortRule> state(ServicePortRule... rules) {
    Map<String, ServicePortRule> m = new LinkedHashMap<>();
    for (ServicePortRule r : rules) {
      m.put(r.id(), r);
    }
    return m;
  }

  private static ServicePortRule rule(String name, String ip, int nodePort, int affinity, String... endpoints) {
    return new ServicePortRule("default/" + name + ":http", ip, "tcp", 80, nodePort, affinity,
        Arrays.stream(endpoints).map(e -> new ServicePortRule.Endpoint(e, 8080)).toList());
  }

  /**
   * The table as name -> sorted tokens of each set, map and chain block: independent of the
   * order nft lists chains and elements in, yet any missing or extra rule or element shows.
   */
  private static Map<String, List<String>> canonical(HostCommands ns) throws IOException {
    String listing = ns.run(null, "nft", "list", "table", "ip", RuleSet.TABLE);
    Map<String, List<String>> blocks = new TreeMap<>();
    String name = null;
    List<String> tokens = new ArrayList<>();
    for (String line : listing.split("\n")) {
      String t = line.strip();
      if (line.startsWith("\t") && !line.startsWith("\t\t") && t.endsWith("{")) {
        name = t;
        tokens = new ArrayList<>();
      } else if (line.equals("\t}") && name != null) {
        tokens.sort(null);
        blocks.put(name, tokens);
        name = null;
      } else if (name != null) {
        tokens.addAll(Arrays.asList(t.split("[\\s,{}]+")));
      }
    }
    assertFalse(blocks.isEmpty(), listing);
    return blocks;
  }
}
