package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * core/v1 Service: DNS-1035 names, defaults (ClusterIP, sessionAffinity None, TCP, targetPort =
 * port, traffic policies, single-stack IPv4), port validation, immutable clusterIP, Table. The
 * ClusterIP itself is allocated by the REST handler.
 */
public class ServiceStrategy extends BaseStrategy {

  private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
  private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  private static final List<String> AFFINITIES = List.of("ClientIP", "None");

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Type", "string", "type determines how the Service is exposed."),
      Tables.col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
      Tables.col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will "
          + "also accept traffic for this service."),
      Tables.col("Port(s)", "string", "The list of ports that are exposed by this service."),
      Tables.AGE,
      Tables.wide("Selector", "string", "Route service traffic to pods with label keys and values matching this "
          + "selector."));

  /** A service strategy. */
  public ServiceStrategy() {
    super(Names.Rule.DNS1035_LABEL, true, false);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    Nodes.defaultText(spec, "type", "ClusterIP");
    String type = Nodes.str(spec, "type");
    Nodes.defaultText(spec, "sessionAffinity", "None");
    if (type.equals("ExternalName")) {
      return;
    }
    if ("ClientIP".equals(Nodes.text(spec, "sessionAffinity"))) {
      Nodes.defaultInt(Nodes.ensureObject(Nodes.ensureObject(spec, "sessionAffinityConfig"), "clientIP"),
          "timeoutSeconds", 10800);
    }
    for (ObjectNode p : Nodes.objects(spec, "ports")) {
      if (p == null) {
        continue;
      }
      Nodes.defaultText(p, "protocol", "TCP");
      JsonNode target = p.get("targetPort");
      boolean unset = target == null || target.isNull() || (target.isIntegralNumber() && target.longValue() == 0)
          || (target.isTextual() && target.textValue().isEmpty());
      if (unset && p.get("port") != null && p.get("port").isIntegralNumber()) {
        Nodes.putInt(p, "targetPort", p.get("port").longValue());
      }
    }
    Nodes.defaultText(spec, "internalTrafficPolicy", "Cluster");
    if (type.equals("NodePort") || type.equals("LoadBalancer")) {
      Nodes.defaultText(spec, "externalTrafficPolicy", "Cluster");
    }
    if (type.equals("LoadBalancer")) {
      Nodes.defaultBool(spec, "allocateLoadBalancerNodePorts", true);
    }
    Nodes.defaultText(spec, "ipFamilyPolicy", "SingleStack");
    if (Nodes.size(spec, "ipFamilies") == 0) {
      spec.putArray("ipFamilies").add("IPv4");
    }
    String clusterIp = Nodes.text(spec, "clusterIP");
    if (clusterIp != null && !clusterIp.isEmpty() && Nodes.size(spec, "clusterIPs") == 0) {
      spec.putArray("clusterIPs").add(clusterIp);
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    String type = Nodes.str(spec, "type");
    if (!TYPES.contains(type)) {
      errs.add(FieldError.notSupported("spec.type", type, TYPES));
    }
    String affinity = Nodes.str(spec, "sessionAffinity");
    if (!AFFINITIES.contains(affinity)) {
      errs.add(FieldError.notSupported("spec.sessionAffinity", affinity, AFFINITIES));
    }
    if (type.equals("ExternalName")) {
      String en = Nodes.str(spec, "externalName");
      if (en.isEmpty()) {
        errs.add(FieldError.required("spec.externalName", ""));
      } else {
        for (String msg : Names.dns1123Subdomain(en.endsWith(".") ? en.substring(0, en.length() - 1) : en)) {
          errs.add(FieldError.invalid("spec.externalName", en, msg));
        }
      }
    } else if (Nodes.size(spec, "ports") == 0 && !"None".equals(Nodes.text(spec, "clusterIP"))) {
      errs.add(FieldError.required("spec.ports", ""));
    }
    String clusterIp = Nodes.text(spec, "clusterIP");
    if (clusterIp != null && !clusterIp.isEmpty() && !clusterIp.equals("None")
        && !io.jk.apiserver.resources.support.Ips.isIp(clusterIp)) {
      errs.add(FieldError.invalid("spec.clusterIPs[0]", clusterIp, io.jk.apiserver.resources.support.Ips.INVALID));
    }
    if (type.equals("ExternalName") && clusterIp != null && !clusterIp.isEmpty()) {
      errs.add(FieldError.forbidden("spec.clusterIP", "may not be set for type 'ExternalName'"));
    }
    List<ObjectNode> ports = Nodes.objects(spec, "ports");
    Set<String> names = new HashSet<>();
    Set<String> portProto = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      String p = "spec.ports[" + i + "]";
      ObjectNode port = ports.get(i);
      if (port == null) {
        errs.add(FieldError.invalid(p, "", "must be an object"));
        continue;
      }
      String name = Nodes.str(port, "name");
      if (name.isEmpty()) {
        if (ports.size() > 1) {
          errs.add(FieldError.required(p + ".name", ""));
        }
      } else {
        PodSpecs.uniqueLabelName(name, p + ".name", names, errs);
      }
      Long number = Nodes.integer(port, "port");
      if (number == null || !Names.validPort(number)) {
        errs.add(FieldError.invalid(p + ".port", number == null ? 0 : number, Names.PORT_RANGE));
      }
      String proto = Nodes.str(port, "protocol");
      if (!PROTOCOLS.contains(proto)) {
        errs.add(FieldError.notSupported(p + ".protocol", proto, PROTOCOLS));
      }
      if (number != null && !portProto.add(number + "/" + proto)) {
        errs.add(FieldError.duplicate("spec.ports[" + i + "]", new Selectors.Raw(
            "core.ServicePort{Name:\"" + name + "\", Protocol:\"" + proto + "\", Port:" + number + "}")));
      }
      JsonNode target = port.get("targetPort");
      if (target != null && target.isIntegralNumber() && !Names.validPort(target.longValue())) {
        errs.add(FieldError.invalid(p + ".targetPort", target.longValue(), Names.PORT_RANGE));
      } else if (target != null && target.isTextual()) {
        for (String msg : Names.portName(target.textValue())) {
          errs.add(FieldError.invalid(p + ".targetPort", target.textValue(), msg));
        }
      }
      Long nodePort = Nodes.integer(port, "nodePort");
      if (nodePort != null && nodePort != 0) {
        if (type.equals("ClusterIP") || type.equals("ExternalName")) {
          errs.add(FieldError.forbidden(p + ".nodePort", "may not be used when `type` is '" + type + "'"));
        } else if (!Names.validPort(nodePort)) {
          errs.add(FieldError.invalid(p + ".nodePort", nodePort, Names.PORT_RANGE));
        }
      }
    }
    BaseStrategy.validateLabels(spec.get("selector"), "spec.selector", errs);
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode oldSpec = Nodes.object(old, "spec");
    String oldIp = Nodes.str(oldSpec, "clusterIP");
    if (!oldIp.isEmpty() && !"ExternalName".equals(Nodes.str(spec, "type"))) {
      String ip = Nodes.str(spec, "clusterIP");
      if (!ip.equals(oldIp)) {
        errs.add(FieldError.invalid("spec.clusterIPs[0]", new Selectors.Raw("[]string{\"" + ip + "\"}"),
            "may not change once set"));
      }
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    String type = Nodes.str(spec, "type");
    List<String> clusterIps = Nodes.strings(spec, "clusterIPs");
    String internalIp = clusterIps.isEmpty() ? Tables.orNone(Nodes.str(spec, "clusterIP")) : clusterIps.get(0);
    return List.of(Nodes.name(obj), type, internalIp, externalIp(obj, type), ports(spec), Tables.age(obj, now),
        Tables.formatLabels(Nodes.stringMap(spec, "selector")));
  }

  private static String externalIp(ObjectNode obj, String type) {
    ObjectNode spec = Nodes.object(obj, "spec");
    List<String> external = Nodes.strings(spec, "externalIPs");
    switch (type) {
      case "ClusterIP", "NodePort" -> {
        return external.isEmpty() ? "<none>" : String.join(",", external);
      }
      case "LoadBalancer" -> {
        List<String> ips = new ArrayList<>();
        for (ObjectNode ing : Nodes.objects(Nodes.object(obj, "status", "loadBalancer"), "ingress")) {
          String ip = Nodes.str(ing, "ip");
          ips.add(ip.isEmpty() ? Nodes.str(ing, "hostname") : ip);
        }
        ips.addAll(external);
        return ips.isEmpty() ? "<pending>" : String.join(",", ips);
      }
      case "ExternalName" -> {
        return Nodes.str(spec, "externalName");
      }
      default -> {
        return "<unknown>";
      }
    }
  }

  private static String ports(ObjectNode spec) {
    List<String> out = new ArrayList<>();
    for (ObjectNode p : Nodes.objects(spec, "ports")) {
      long port = Nodes.integer(p, "port", 0);
      long nodePort = Nodes.integer(p, "nodePort", 0);
      String proto = Nodes.str(p, "protocol");
      out.add(nodePort == 0 ? port + "/" + proto : port + ":" + nodePort + "/" + proto);
    }
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }
}
