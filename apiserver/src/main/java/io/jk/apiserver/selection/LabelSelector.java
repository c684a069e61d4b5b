package io.jk.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Kubernetes label selector: an AND of requirements on an object's labels.
 *
 * <p>Built from the {@code labelSelector} query-parameter syntax with {@link #parse(String)}
 * ({@code app=web,tier!=db,env in (prod,qa),!canary}) or from a {@code metav1.LabelSelector}
 * object with {@link #fromObject(JsonNode)}. Immutable and thread-safe.
 *
 * <p>Two special selectors exist, as in Kubernetes: {@link #everything()} (no requirements; what
 * an empty string or an empty {@code {}} selector gives) and {@link #nothing()} (matches no
 * object; what a missing/null {@code metav1.LabelSelector} gives to workload controllers).
 */
public final class LabelSelector {

  /** A requirement's operator, with its query-syntax spelling. */
  public enum Operator {
    IN("in"),
    NOT_IN("notin"),
    EQUALS("="),
    DOUBLE_EQUALS("=="),
    NOT_EQUALS("!="),
    EXISTS("exists"),
    DOES_NOT_EXIST("!"),
    GREATER_THAN("gt"),
    LESS_THAN("lt");

    private final String spelling;

    Operator(String spelling) {
      this.spelling = spelling;
    }

    /** The operator's name as Kubernetes' {@code selection.Operator} spells it. */
    public String spelling() {
      return spelling;
    }
  }

  /**
   * One requirement: {@code key}, {@code operator} and its values (sorted and without
   * duplicates; empty for EXISTS and DOES_NOT_EXIST).
   */
  public record Requirement(String key, Operator operator, List<String> values) {

    /** Validated requirement, as Kubernetes' {@code labels.NewRequirement}. */
    public Requirement {
      values = List.copyOf(new TreeSet<>(values));
      validate(key, operator, values);
    }

    /** Whether labels satisfy this requirement. */
    public boolean matches(Map<String, String> labels) {
      boolean has = labels.containsKey(key);
      String v = labels.get(key);
      switch (operator) {
        case IN:
        case EQUALS:
        case DOUBLE_EQUALS:
          return has && values.contains(v);
        case NOT_IN:
        case NOT_EQUALS:
          return !has || !values.contains(v);
        case EXISTS:
          return has;
        case DOES_NOT_EXIST:
          return !has;
        case GREATER_THAN:
        case LESS_THAN:
          if (!has) {
            return false;
          }
          long actual;
          try {
            actual = Long.parseLong(v);
          } catch (NumberFormatException e) {
            return false;
          }
          long bound = Long.parseLong(values.get(0));
          return operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
        default:
          return false;
      }
    }

    /** Canonical text, e.g. {@code app=web}, {@code env in (prod,qa)}, {@code !canary}. */
    @Override
    public String toString() {
      switch (operator) {
        case EXISTS:
          return key;
        case DOES_NOT_EXIST:
          return "!" + key;
        case IN:
          return key + " in (" + String.join(",", values) + ")";
        case NOT_IN:
          return key + " notin (" + String.join(",", values) + ")";
        case EQUALS:
          return key + "=" + values.get(0);
        case DOUBLE_EQUALS:
          return key + "==" + values.get(0);
        case NOT_EQUALS:
          return key + "!=" + values.get(0);
        case GREATER_THAN:
          return key + ">" + values.get(0);
        case LESS_THAN:
          return key + "<" + values.get(0);
        default:
          throw new IllegalStateException("unknown operator " + operator);
      }
    }

    private static void validate(String key, Operator op, List<String> values) {
      List<String> errs = new ArrayList<>();
      String keyErr = LabelValidation.keyError(key);
      if (keyErr != null) {
        errs.add("<nil>: Invalid value: \"" + key + "\": " + keyErr);
      }
      switch (op) {
        case IN:
        case NOT_IN:
          if (values.isEmpty()) {
            errs.add("values: Invalid value: " + goList(values)
                + ": for 'in', 'notin' operators, values set can't be empty");
          }
          break;
        case EQUALS:
        case DOUBLE_EQUALS:
        case NOT_EQUALS:
          if (values.size() != 1) {
            errs.add("values: Invalid value: " + goList(values)
                + ": exact-match compatibility requires one single value");
          }
          break;
        case EXISTS:
        case DOES_NOT_EXIST:
          if (!values.isEmpty()) {
            errs.add("values: Invalid value: " + goList(values)
                + ": values set must be empty for exists and does not exist");
          }
          break;
        case GREATER_THAN:
        case LESS_THAN:
          if (values.size() != 1) {
            errs.add("values: Invalid value: " + goList(values)
                + ": for 'Gt', 'Lt' operators, exactly one value is required");
          }
          for (int i = 0; i < values.size(); i++) {
            try {
              Long.parseLong(values.get(i));
            } catch (NumberFormatException e) {
              errs.add("values[" + i + "]: Invalid value: \"" + values.get(i)
                  + "\": for 'Gt', 'Lt' operators, the value must be an integer");
            }
          }
          break;
        default:
          break;
      }
      for (int i = 0; i < values.size(); i++) {
        String valErr = LabelValidation.valueError(values.get(i));
        if (valErr != null) {
          errs.add("values[" + i + "][" + key + "]: Invalid value: \"" + values.get(i) + "\": "
              + valErr);
        }
      }
      if (errs.size() == 1) {
        throw new SelectorException(errs.get(0));
      }
      if (!errs.isEmpty()) {
        throw new SelectorException("[" + String.join(", ", errs) + "]");
      }
    }

    private static String goList(List<String> values) {
      return "[]string{" + String.join(", ", values.stream().map(v -> '"' + v + '"').toList())
          + "}";
    }
  }

  private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
  private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);

  private final List<Requirement> requirements;
  private final boolean nothing;

  private LabelSelector(List<Requirement> requirements, boolean nothing) {
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::key)); // stable: keeps input order per key
    this.requirements = List.copyOf(sorted);
    this.nothing = nothing;
  }

  /** The selector that matches every object. */
  public static LabelSelector everything() {
    return EVERYTHING;
  }

  /** The selector that matches no object. */
  public static LabelSelector nothing() {
    return NOTHING;
  }

  /** A selector of the given requirements (none: everything). */
  public static LabelSelector of(List<Requirement> requirements) {
    return requirements.isEmpty() ? EVERYTHING : new LabelSelector(requirements, false);
  }

  /**
   * A selector requiring every entry of {@code labels} ({@code key=value} each), as Kubernetes'
   * {@code SelectorFromSet}: an empty map gives {@link #everything()}, so callers for which an
   * empty selector means "none" (a Service's endpoints) must check that themselves.
   *
   * @throws SelectorException when a key or value is not a valid label
   */
  public static LabelSelector fromMap(Map<String, String> labels) {
    List<Requirement> reqs = new ArrayList<>();
    labels.forEach((k, v) -> reqs.add(new Requirement(k, Operator.EQUALS, List.of(v))));
    return of(reqs);
  }

  /**
   * Parses the {@code labelSelector} query-parameter syntax. {@code null}, empty or blank gives
   * {@link #everything()}.
   *
   * @throws SelectorException with Kubernetes' message when the text is not a valid selector
   */
  public static LabelSelector parse(String text) {
    if (text == null) {
      return EVERYTHING;
    }
    return of(new LabelSelectorParser(text).parse());
  }

  /**
   * Converts a {@code metav1.LabelSelector} object as Kubernetes' {@code LabelSelectorAsSelector}:
   * a {@code null} reference, JSON {@code null} or missing node gives {@link #nothing()}; an object
   * without {@code matchLabels} and {@code matchExpressions} (e.g. {@code {}}) gives
   * {@link #everything()}; otherwise every {@code matchLabels} entry is a {@code key=value}
   * requirement and every {@code matchExpressions} entry ({@code In}, {@code NotIn},
   * {@code Exists}, {@code DoesNotExist}) one more requirement.
   *
   * @throws SelectorException when the object is malformed or an operator is unknown
   */
  public static LabelSelector fromObject(JsonNode selector) {
    if (selector == null || selector.isNull() || selector.isMissingNode()) {
      return NOTHING;
    }
    if (!selector.isObject()) {
      throw new SelectorException("label selector must be an object");
    }
    List<Requirement> reqs = new ArrayList<>();
    JsonNode matchLabels = selector.path("matchLabels");
    if (matchLabels.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = matchLabels.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw new SelectorException("matchLabels." + e.getKey() + " must be a string");
        }
        reqs.add(new Requirement(e.getKey(), Operator.EQUALS, List.of(e.getValue().asText())));
      }
    } else if (!matchLabels.isMissingNode() && !matchLabels.isNull()) {
      throw new SelectorException("matchLabels must be an object");
    }
    JsonNode exprs = selector.path("matchExpressions");
    if (exprs.isArray()) {
      for (JsonNode expr : exprs) {
        reqs.add(expressionRequirement(expr));
      }
    } else if (!exprs.isMissingNode() && !exprs.isNull()) {
      throw new SelectorException("matchExpressions must be a list");
    }
    return of(reqs);
  }

  private static Requirement expressionRequirement(JsonNode expr) {
    if (!expr.isObject()) {
      throw new SelectorException("matchExpressions entries must be objects");
    }
    String opName = expr.path("operator").asText("");
    Operator op;
    switch (opName) {
      case "In":
        op = Operator.IN;
        break;
      case "NotIn":
        op = Operator.NOT_IN;
        break;
      case "Exists":
        op = Operator.EXISTS;
        break;
      case "DoesNotExist":
        op = Operator.DOES_NOT_EXIST;
        break;
      default:
        throw new SelectorException("\"" + opName + "\" is not a valid label selector operator");
    }
    List<String> values = new ArrayList<>();
    JsonNode vals = expr.path("values");
    if (vals.isArray()) {
      for (JsonNode v : vals) {
        if (!v.isTextual()) {
          throw new SelectorException("matchExpressions values must be strings");
        }
        values.add(v.asText());
      }
    } else if (!vals.isMissingNode() && !vals.isNull()) {
      throw new SelectorException("matchExpressions values must be a list");
    }
    return new Requirement(expr.path("key").asText(""), op, values);
  }

  /** Whether the labels satisfy every requirement ({@code null} is treated as no labels). */
  public boolean matches(Map<String, String> labels) {
    if (nothing) {
      return false;
    }
    Map<String, String> ls = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(ls)) {
        return false;
      }
    }
    return true;
  }

  /** Whether an object (a tree with {@code metadata.labels}) is selected. */
  public boolean matchesObject(JsonNode object) {
    return matches(labelsOf(object));
  }

  /** The {@code metadata.labels} of an object as a map (string values only). */
  public static Map<String, String> labelsOf(JsonNode object) {
    JsonNode labels = object == null ? null : object.path("metadata").path("labels");
    if (labels == null || !labels.isObject()) {
      return Map.of();
    }
    Map<String, String> out = new java.util.HashMap<>();
    labels.fields().forEachRemaining(e -> {
      if (e.getValue().isTextual()) {
        out.put(e.getKey(), e.getValue().asText());
      }
    });
    return out;
  }

  /** Whether this selector matches everything (no requirements). */
  public boolean isEverything() {
    return !nothing && requirements.isEmpty();
  }

  /** Whether this is the selector that matches nothing. */
  public boolean isNothing() {
    return nothing;
  }

  /** The requirements, sorted by key. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /**
   * Kubernetes' canonical text: requirements sorted by key and joined with {@code ,}, e.g.
   * {@code app=web,env in (prod,qa)} (what a Scale's {@code status.selector} shows). Empty for
   * {@link #everything()} and {@link #nothing()}.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Requirement r : requirements) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(r);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSelector other && other.nothing == nothing
        && other.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode() * 31 + (nothing ? 1 : 0);
  }
}
