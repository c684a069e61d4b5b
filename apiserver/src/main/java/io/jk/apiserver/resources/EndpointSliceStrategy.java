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

/** discovery.k8s.io/v1 EndpointSlice: port defaults, address type and address validation, Table. */
public class EndpointSliceStrategy extends BaseStrategy {

  private static final List<String> ADDRESS_TYPES = List.of("IPv4", "IPv6", "FQDN");
  private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  /** Most endpoints and ports in one slice. */
  public static final int MAX_ENDPOINTS = 1000;

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice."),
      Tables.col("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice."),
      Tables.col("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
      Tables.AGE);

  /** An endpoint slice strategy. */
  public EndpointSliceStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, true);
  }

  @Override
  protected boolean specChanged(ObjectNode obj, ObjectNode old) {
    return !io.jk.apiserver.resources.support.Nodes.same(obj.get("endpoints"), old.get("endpoints"))
        || !Nodes.same(obj.get("ports"), old.get("ports"));
  }

  @Override
  protected void defaults(ObjectNode obj) {
    for (ObjectNode p : Nodes.objects(obj, "ports")) {
      if (p != null) {
        Nodes.defaultText(p, "protocol", "TCP");
        if (!Nodes.has(p, "name")) {
          p.put("name", "");
        }
      }
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    String type = Nodes.str(obj, "addressType");
    if (type.isEmpty()) {
      errs.add(FieldError.required("addressType", ""));
    } else if (!ADDRESS_TYPES.contains(type)) {
      errs.add(FieldError.notSupported("addressType", type, ADDRESS_TYPES));
    }
    List<ObjectNode> eps = Nodes.objects(obj, "endpoints");
    if (eps.size() > MAX_ENDPOINTS) {
      errs.add(new FieldError("FieldValueTooMany", "endpoints", "Too many: " + eps.size() + ": must have at most "
          + MAX_ENDPOINTS + " items"));
    }
    for (int i = 0; i < eps.size(); i++) {
      String p = "endpoints[" + i + "]";
      List<String> addrs = Nodes.strings(eps.get(i), "addresses");
      if (addrs.isEmpty()) {
        errs.add(FieldError.required(p + ".addresses", "must contain at least 1 address"));
      }
      for (int j = 0; j < addrs.size(); j++) {
        String a = addrs.get(j);
        boolean ok = switch (type) {
          case "IPv4" -> Ips.isV4(a);
          case "IPv6" -> Ips.isV6(a);
          case "FQDN" -> Names.dns1123Subdomain(a).isEmpty();
          default -> true;
        };
        if (!ok) {
          String msg = type.equals("FQDN") ? Names.dns1123Subdomain(a).get(0) : "must be a valid " + type + " address";
          errs.add(FieldError.invalid(p + ".addresses[" + j + "]", a, msg));
        }
      }
      String nodeName = Nodes.text(eps.get(i), "nodeName");
      if (nodeName != null && !nodeName.isEmpty()) {
        for (String msg : Names.dns1123Subdomain(nodeName)) {
          errs.add(FieldError.invalid(p + ".nodeName", nodeName, msg));
        }
      }
    }
    List<ObjectNode> ports = Nodes.objects(obj, "ports");
    for (int i = 0; i < ports.size(); i++) {
      String p = "ports[" + i + "]";
      ObjectNode port = ports.get(i);
      Long n = Nodes.integer(port, "port");
      if (n != null && !Names.validPort(n)) {
        errs.add(FieldError.invalid(p + ".port", n, Names.PORT_RANGE));
      }
      String proto = Nodes.str(port, "protocol");
      if (!PROTOCOLS.contains(proto)) {
        errs.add(FieldError.notSupported(p + ".protocol", proto, PROTOCOLS));
      }
      String name = Nodes.str(port, "name");
      if (!name.isEmpty()) {
        for (String msg : Names.dns1123Label(name)) {
          errs.add(FieldError.invalid(p + ".name", name, msg));
        }
      }
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    if (!Nodes.same(obj.get("addressType"), old.get("addressType"))) {
      errs.add(FieldError.invalid("addressType", Nodes.str(obj, "addressType"), "field is immutable"));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    List<String> ports = new ArrayList<>();
    for (ObjectNode p : Nodes.objects(obj, "ports")) {
      Long n = Nodes.integer(p, "port");
      ports.add(n != null ? Long.toString(n) : Nodes.has(p, "name") && p.get("name").isTextual() ? Nodes.str(p, "name") : "*");
    }
    List<String> addrs = new ArrayList<>();
    for (ObjectNode e : Nodes.objects(obj, "endpoints")) {
      addrs.addAll(Nodes.strings(e, "addresses"));
    }
    return List.of(Nodes.name(obj), Nodes.str(obj, "addressType"), withMore(ports), withMore(addrs), Tables.age(obj, now));
  }

  private static String withMore(List<String> all) {
    int max = 3;
    if (all.isEmpty()) {
      return "<unset>";
    }
    String ret = String.join(",", all.subList(0, Math.min(max, all.size())));
    return all.size() > max ? ret + " + " + (all.size() - max) + " more..." : ret;
  }
}
