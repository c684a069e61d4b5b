package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Ips;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** core/v1 Endpoints: port protocol TCP by default, address and port validation, Table (ENDPOINTS). */
public class EndpointsStrategy extends BaseStrategy {

  private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Endpoints", "string", "The set of all endpoints is the union of all subsets."), Tables.AGE);

  /** An endpoints strategy. */
  public EndpointsStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    for (ObjectNode subset : Nodes.objects(obj, "subsets")) {
      for (ObjectNode p : Nodes.objects(subset, "ports")) {
        if (p != null) {
          Nodes.defaultText(p, "protocol", "TCP");
        }
      }
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    List<ObjectNode> subsets = Nodes.objects(obj, "subsets");
    for (int i = 0; i < subsets.size(); i++) {
      String sp = "subsets[" + i + "]";
      ObjectNode subset = subsets.get(i);
      for (String list : List.of("addresses", "notReadyAddresses")) {
        List<ObjectNode> addrs = Nodes.objects(subset, list);
        for (int j = 0; j < addrs.size(); j++) {
          String ip = Nodes.str(addrs.get(j), "ip");
          if (!Ips.isIp(ip)) {
            errs.add(FieldError.invalid(sp + "." + list + "[" + j + "].ip", ip, Ips.INVALID));
          }
        }
      }
      List<ObjectNode> ports = Nodes.objects(subset, "ports");
      for (int j = 0; j < ports.size(); j++) {
        String pp = sp + ".ports[" + j + "]";
        ObjectNode port = ports.get(j);
        String name = Nodes.str(port, "name");
        if (name.isEmpty() && ports.size() > 1) {
          errs.add(FieldError.required(pp + ".name", ""));
        } else if (!name.isEmpty()) {
          for (String msg : Names.dns1123Label(name)) {
            errs.add(FieldError.invalid(pp + ".name", name, msg));
          }
        }
        long n = Nodes.integer(port, "port", 0);
        if (!Names.validPort(n)) {
          errs.add(FieldError.invalid(pp + ".port", n, Names.PORT_RANGE));
        }
        String proto = Nodes.str(port, "protocol");
        if (!PROTOCOLS.contains(proto)) {
          errs.add(FieldError.notSupported(pp + ".protocol", proto, PROTOCOLS));
        }
      }
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), formatEndpoints(obj), Tables.age(obj, now));
  }

  /** The ENDPOINTS cell: up to three {@code ip:port} then {@code + N more...}; {@code <none>} without subsets. */
  static String formatEndpoints(ObjectNode obj) {
    List<ObjectNode> subsets = Nodes.objects(obj, "subsets");
    if (subsets.isEmpty()) {
      return "<none>";
    }
    int max = 3;
    List<String> list = new ArrayList<>();
    boolean more = false;
    int count = 0;
    for (ObjectNode ss : subsets) {
      List<ObjectNode> addrs = Nodes.objects(ss, "addresses");
      List<ObjectNode> ports = Nodes.objects(ss, "ports");
      if (ports.isEmpty()) {
        count += addrs.size();
        for (ObjectNode a : addrs) {
          if (list.size() == max) {
            more = true;
            break;
          }
          list.add(Nodes.str(a, "ip"));
        }
        continue;
      }
      for (ObjectNode port : ports) {
        count += addrs.size();
        for (ObjectNode a : addrs) {
          if (list.size() == max) {
            more = true;
            break;
          }
          String ip = Nodes.str(a, "ip");
          String host = ip.contains(":") ? "[" + ip + "]" : ip;
          list.add(host + ":" + Nodes.integer(port, "port", 0));
        }
      }
    }
    String ret = String.join(",", list);
    return more ? ret + " + " + (count - max) + " more..." : ret;
  }
}
