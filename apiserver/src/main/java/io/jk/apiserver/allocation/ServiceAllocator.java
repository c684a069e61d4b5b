package io.jk.apiserver.allocation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.rest.RestHandler;
import java.util.BitSet;
import java.util.List;

/**
 * Gives Services their ClusterIP (from {@code --service-cluster-ip-range}) and NodePorts (from
 * {@code --service-node-port-range}), never twice, and takes them back when a Service goes.
 * The state is in memory and rebuilt from the stored Services at start ({@link #restore}). A dry
 * run gets the same checks and shows the values a real write would get, but takes and frees
 * nothing.
 */
public final class ServiceAllocator implements RestHandler.WriteHooks {

  private final long base;
  private final int size;
  private final BitSet ips = new BitSet();
  private final int portMin;
  private final int portMax;
  private final BitSet ports = new BitSet();
  private int nextIp = 2;
  private int nextPort;

  /**
   * @param cidr an IPv4 CIDR, e.g. {@code 10.96.0.0/12}
   * @param portRange e.g. {@code 30000-32767}
   */
  public ServiceAllocator(String cidr, String portRange) {
    String[] c = cidr.trim().split("/");
    if (c.length != 2) {
      throw new IllegalArgumentException("--service-cluster-ip-range: not a CIDR: " + cidr);
    }
    int bits = Integer.parseInt(c[1]);
    if (bits < 8 || bits > 30) {
      throw new IllegalArgumentException("--service-cluster-ip-range: prefix length must be between 8 and 30: " + cidr);
    }
    long ip = toLong(c[0]);
    long mask = (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    this.base = ip & mask;
    this.size = (int) Math.min(1L << (32 - bits), 1 << 20);
    String[] p = portRange.trim().split("-");
    if (p.length != 2) {
      throw new IllegalArgumentException("--service-node-port-range: not a range: " + portRange);
    }
    this.portMin = Integer.parseInt(p[0].trim());
    this.portMax = Integer.parseInt(p[1].trim());
    if (portMin < 1 || portMax > 65535 || portMin > portMax) {
      throw new IllegalArgumentException("--service-node-port-range: invalid range: " + portRange);
    }
    ips.set(0);
    ips.set(size - 1);
    nextPort = 0;
  }

  /** The address reserved for the {@code kubernetes} Service (first address of the range). */
  public String kubernetesServiceIp() {
    return toIp(base + 1);
  }

  /** Marks what stored {@code services} hold as used. */
  public synchronized void restore(List<ObjectNode> services) {
    for (ObjectNode s : services) {
      String ip = s.path("spec").path("clusterIP").asText("");
      int off = offset(ip);
      if (off > 0 && off < size) {
        ips.set(off);
      }
      for (JsonNode port : s.path("spec").path("ports")) {
        int np = port.path("nodePort").asInt(0);
        if (np >= portMin && np <= portMax) {
          ports.set(np - portMin);
        }
      }
    }
  }

  private static boolean isService(ResourceType type) {
    return type.group().isEmpty() && type.kind().equals("Service");
  }

  @Override
  public synchronized void beforeCreate(ResourceType type, ObjectNode obj) {
    create(type, obj, true);
  }

  @Override
  public synchronized void beforeDryRunCreate(ResourceType type, ObjectNode obj) {
    create(type, obj, false);
  }

  /** Fills and checks a new Service's ClusterIP and NodePorts; marks them used when {@code take}. */
  private void create(ResourceType type, ObjectNode obj, boolean take) {
    if (!isService(type)) {
      return;
    }
    String name = obj.path("metadata").path("name").asText();
    ObjectNode spec = obj.with("spec");
    String svcType = spec.path("type").asText("ClusterIP");
    if (svcType.equals("ExternalName")) {
      return;
    }
    String wanted = spec.path("clusterIP").asText("");
    int allocatedIp = -1;
    if (wanted.isEmpty()) {
      allocatedIp = allocateIp(name, take);
    } else if (!wanted.equals("None")) {
      int off = offset(wanted);
      if (off <= 0 || off >= size - 1) {
        throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.clusterIPs", "[\"" + wanted + "\"]",
            "failed to allocate IP " + wanted + ": the provided IP (" + wanted + ") is not in the valid range. The range "
                + "of valid IPs is " + toIp(base) + "/" + (32 - Integer.numberOfTrailingZeros(size)))));
      }
      if (ips.get(off)) {
        throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.clusterIPs", "[\"" + wanted + "\"]",
            "failed to allocate IP " + wanted + ": provided IP is already allocated")));
      }
      if (take) {
        ips.set(off);
      }
      allocatedIp = off;
    }
    try {
      if (svcType.equals("NodePort") || svcType.equals("LoadBalancer")) {
        allocatePorts(name, spec, null, take);
      }
    } catch (ApiException e) {
      if (take && allocatedIp > 0) {
        ips.clear(allocatedIp);
      }
      throw e;
    }
    if (allocatedIp > 0) {
      String ip = toIp(base + allocatedIp);
      spec.put("clusterIP", ip);
      spec.putArray("clusterIPs").add(ip);
      spec.putArray("ipFamilies").add("IPv4");
      spec.put("ipFamilyPolicy", "SingleStack");
    }
  }

  @Override
  public synchronized void beforeUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
    update(type, obj, old, true);
  }

  @Override
  public synchronized void beforeDryRunUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
    update(type, obj, old, false);
  }

  /** Keeps the ClusterIP, fills and checks NodePorts; takes new ports and frees dropped ones when {@code take}. */
  private void update(ResourceType type, ObjectNode obj, ObjectNode old, boolean take) {
    if (!isService(type)) {
      return;
    }
    ObjectNode spec = obj.with("spec");
    JsonNode oldSpec = old.path("spec");
    // clusterIP is immutable: keep what was allocated when the update leaves it out
    if (spec.path("clusterIP").asText("").isEmpty() && oldSpec.has("clusterIP")) {
      spec.set("clusterIP", oldSpec.get("clusterIP"));
      if (oldSpec.has("clusterIPs")) {
        spec.set("clusterIPs", oldSpec.get("clusterIPs"));
      }
    } else if (!spec.path("clusterIP").asText("").equals(oldSpec.path("clusterIP").asText(""))) {
      throw ApiException.invalid("Service", old.path("metadata").path("name").asText(), List.of(FieldError.invalid(
          "spec.clusterIPs[0]", spec.path("clusterIP").asText(), "may not change once set")));
    }
    String svcType = spec.path("type").asText("ClusterIP");
    if (svcType.equals("NodePort") || svcType.equals("LoadBalancer")) {
      allocatePorts(old.path("metadata").path("name").asText(), spec, oldSpec, take);
    } else {
      for (JsonNode p : spec.path("ports")) {
        if (p instanceof ObjectNode po) {
          po.remove("nodePort");
        }
      }
    }
    if (!take) {
      return;
    }
    // release ports of the old spec that the new one does not use
    for (JsonNode p : oldSpec.path("ports")) {
      int np = p.path("nodePort").asInt(0);
      if (np >= portMin && np <= portMax && !usesPort(spec, np)) {
        ports.clear(np - portMin);
      }
    }
  }

  private static boolean usesPort(JsonNode spec, int np) {
    for (JsonNode p : spec.path("ports")) {
      if (p.path("nodePort").asInt(0) == np) {
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized void released(ResourceType type, ObjectNode obj) {
    if (!isService(type)) {
      return;
    }
    int off = offset(obj.path("spec").path("clusterIP").asText(""));
    if (off > 0 && off < size - 1) {
      ips.clear(off);
    }
    for (JsonNode p : obj.path("spec").path("ports")) {
      int np = p.path("nodePort").asInt(0);
      if (np >= portMin && np <= portMax) {
        ports.clear(np - portMin);
      }
    }
  }

  private int allocateIp(String name, boolean take) {
    int span = size - 3;
    for (int i = 0; i < span; i++) {
      int off = 2 + ((nextIp - 2 + i) % span);
      if (!ips.get(off)) {
        if (take) {
          ips.set(off);
          nextIp = off + 1 >= size - 1 ? 2 : off + 1;
        }
        return off;
      }
    }
    throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.clusterIPs", "[]",
        "failed to allocate IP: range is full")));
  }

  private void allocatePorts(String name, ObjectNode spec, JsonNode oldSpec, boolean take) {
    JsonNode list = spec.path("ports");
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof ObjectNode p)) {
        continue;
      }
      int np = p.path("nodePort").asInt(0);
      int old = oldPort(oldSpec, p);
      if (np == 0 && old > 0) {
        p.put("nodePort", old);
        continue;
      }
      if (np == 0) {
        int span = portMax - portMin + 1;
        int found = -1;
        for (int k = 0; k < span; k++) {
          int off = (nextPort + k) % span;
          if (!ports.get(off)) {
            found = off;
            break;
          }
        }
        if (found < 0) {
          throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.ports[" + i + "].nodePort", 0,
              "failed to allocate a nodePort: range is full")));
        }
        if (take) {
          ports.set(found);
          nextPort = (found + 1) % span;
        }
        p.put("nodePort", portMin + found);
      } else if (np == old) {
        continue;
      } else if (np < portMin || np > portMax) {
        throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.ports[" + i + "].nodePort", np,
            "provided port is not in the valid range. The range of valid ports is " + portMin + "-" + portMax)));
      } else if (ports.get(np - portMin)) {
        throw ApiException.invalid("Service", name, List.of(FieldError.invalid("spec.ports[" + i + "].nodePort", np,
            "provided port is already allocated")));
      } else if (take) {
        ports.set(np - portMin);
      }
    }
  }

  private static int oldPort(JsonNode oldSpec, ObjectNode p) {
    if (oldSpec == null) {
      return 0;
    }
    for (JsonNode o : oldSpec.path("ports")) {
      if (o.path("port").asInt(-1) == p.path("port").asInt(-2)
          && o.path("protocol").asText("TCP").equals(p.path("protocol").asText("TCP"))) {
        return o.path("nodePort").asInt(0);
      }
    }
    return 0;
  }

  private int offset(String ip) {
    if (ip == null || ip.isEmpty() || ip.equals("None")) {
      return -1;
    }
    try {
      long v = toLong(ip);
      long off = v - base;
      return off < 0 || off >= size ? -1 : (int) off;
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  private static long toLong(String ip) {
    String[] p = ip.trim().split("\\.");
    if (p.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + ip);
    }
    long v = 0;
    for (String s : p) {
      int b = Integer.parseInt(s);
      if (b < 0 || b > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + ip);
      }
      v = (v << 8) | b;
    }
    return v;
  }

  private static String toIp(long v) {
    return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
  }

}
