package io.jk.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resource arguments as kubectl reads them: {@code TYPE[,TYPE...] [NAME...]} or
 * {@code TYPE/NAME [TYPE/NAME...]}; {@code all} expands to the {@code all} category.
 */
public final class Targets {

  private Targets() {}

  /**
   * One resource type and the names asked for (empty: every object of the type).
   *
   * @param type the resolved type
   * @param names the names, in the order given
   */
  public record Target(ResourceInfo type, List<String> names) {}

  /** Resolves {@code args} against discovery. */
  public static List<Target> parse(List<String> args, Discovery discovery) {
    if (args.isEmpty()) {
      throw new CliException("You must specify the type of resource to get. Use \"jkctl api-resources\" for a "
          + "complete list of supported resources.");
    }
    Map<String, Target> out = new LinkedHashMap<>();
    if (args.get(0).contains("/")) {
      for (String a : args) {
        int slash = a.indexOf('/');
        if (slash <= 0 || slash == a.length() - 1) {
          throw new CliException("there is no need to specify a resource type as a separate argument when "
              + "passing arguments in resource/name form (e.g. 'jkctl get resource/<resource_name>' instead of "
              + "'jkctl get resource resource/<resource_name>'");
        }
        ResourceInfo r = discovery.resolve(a.substring(0, slash));
        out.computeIfAbsent(r.qualifiedResource(), k -> new Target(r, new ArrayList<>())).names()
            .add(a.substring(slash + 1));
      }
      return new ArrayList<>(out.values());
    }
    List<String> names = args.subList(1, args.size());
    for (String n : names) {
      if (n.contains("/")) {
        throw new CliException("there is no need to specify a resource type as a separate argument when passing "
            + "arguments in resource/name form (e.g. 'jkctl get resource/<resource_name>' instead of 'jkctl get "
            + "resource resource/<resource_name>'");
      }
    }
    for (String t : args.get(0).split(",")) {
      if (t.isBlank()) {
        continue;
      }
      List<ResourceInfo> types = t.equals("all") ? discovery.category("all") : List.of(discovery.resolve(t));
      for (ResourceInfo r : types) {
        out.computeIfAbsent(r.qualifiedResource(), k -> new Target(r, new ArrayList<>())).names().addAll(names);
      }
    }
    return new ArrayList<>(out.values());
  }

  /** Whether the arguments name more than one type (then kubectl prefixes names with their kind). */
  public static boolean multipleTypes(List<String> args, List<Target> targets) {
    return targets.size() > 1 || (!args.isEmpty() && (args.get(0).equals("all") || args.get(0).contains(",")));
  }
}
