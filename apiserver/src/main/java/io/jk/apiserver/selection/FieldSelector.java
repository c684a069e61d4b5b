package io.jk.apiserver.selection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Kubernetes field selector: an AND of {@code field=value} / {@code field!=value} terms over
 * the selectable fields a resource's strategy exposes ({@code metadata.name},
 * {@code spec.nodeName}, {@code status.phase}, ...). Immutable and thread-safe.
 *
 * <p>Syntax as Kubernetes' {@code fields.ParseSelector}: terms separated by {@code ,}; operators
 * {@code =}, {@code ==}, {@code !=}; in values, {@code \\}, {@code \,} and {@code \=} escape a
 * backslash, comma and equals sign. A field that is absent compares as the empty string, so
 * {@code spec.nodeName=} selects unscheduled pods.
 */
public final class FieldSelector {

  /** One term: {@code field=value} ({@code equal} true) or {@code field!=value}. */
  public record Term(String field, boolean equal, String value) {
    /** Whether the fields satisfy this term (absent field = empty string). */
    public boolean matches(Map<String, String> fields) {
      String actual = fields.getOrDefault(field, "");
      return equal == actual.equals(value);
    }

    /** Canonical text with the value escaped. */
    @Override
    public String toString() {
      return field + (equal ? "=" : "!=") + escape(value);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<Term> terms;

  private FieldSelector(List<Term> terms) {
    this.terms = List.copyOf(terms);
  }

  /** The selector with no terms, matching every object. */
  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /** A selector of the given terms. */
  public static FieldSelector of(List<Term> terms) {
    List<Term> sorted = new ArrayList<>(terms);
    sorted.sort(Comparator.comparing(Term::toString));
    return new FieldSelector(sorted);
  }

  /**
   * Parses the {@code fieldSelector} query-parameter syntax; {@code null} or empty gives
   * {@link #everything()}.
   *
   * @throws SelectorException with Kubernetes' message for a term without operator or a bad
   *     escape
   */
  public static FieldSelector parse(String text) {
    if (text == null || text.isEmpty()) {
      return EVERYTHING;
    }
    List<String> parts = splitTerms(text);
    parts.sort(null);
    List<Term> terms = new ArrayList<>();
    for (String part : parts) {
      if (part.isEmpty()) {
        continue;
      }
      Term t = splitTerm(part);
      if (t == null) {
        throw new SelectorException(
            "invalid selector: '" + text + "'; can't understand '" + part + "'");
      }
      terms.add(t);
    }
    return new FieldSelector(terms);
  }

  private static List<String> splitTerms(String s) {
    List<String> out = new ArrayList<>();
    int start = 0;
    boolean inSlash = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inSlash) {
        inSlash = false;
      } else if (c == '\\') {
        inSlash = true;
      } else if (c == ',') {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  /** The first operator in the term splits it (as Kubernetes: no escaping on the left side). */
  private static Term splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      String rest = term.substring(i);
      if (rest.startsWith("!=")) {
        return new Term(term.substring(0, i), false, unescape(term.substring(i + 2)));
      }
      if (rest.startsWith("==")) {
        return new Term(term.substring(0, i), true, unescape(term.substring(i + 2)));
      }
      if (rest.startsWith("=")) {
        return new Term(term.substring(0, i), true, unescape(term.substring(i + 1)));
      }
    }
    return null;
  }

  /** Escapes {@code \}, {@code ,} and {@code =} in a value. */
  public static String escape(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  /**
   * Reverses {@link #escape}.
   *
   * @throws SelectorException on an unknown escape or an unescaped {@code ,}/{@code =}
   */
  public static String unescape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean inSlash = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inSlash) {
        if (c == '\\' || c == ',' || c == '=') {
          sb.append(c);
        } else {
          throw new SelectorException(
              "invalid field selector: invalid escape sequence: \\" + c);
        }
        inSlash = false;
        continue;
      }
      if (c == '\\') {
        inSlash = true;
      } else if (c == ',' || c == '=') {
        // Kubernetes prints the rune as a number here (Go's %v of a rune)
        throw new SelectorException(
            "invalid field selector: unescaped character in value: " + (int) c);
      } else {
        sb.append(c);
      }
    }
    if (inSlash) {
      throw new SelectorException("invalid field selector: invalid escape sequence: \\");
    }
    return sb.toString();
  }

  /** Whether the fields satisfy every term ({@code null} is treated as no fields). */
  public boolean matches(Map<String, String> fields) {
    Map<String, String> fs = fields == null ? Map.of() : fields;
    for (Term t : terms) {
      if (!t.matches(fs)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value an {@code =}/{@code ==} term requires of {@code field}, so that e.g.
   * {@code metadata.name=web} or {@code spec.nodeName=n1} can be served by a direct lookup
   * (the other terms must still be checked with {@link #matches}).
   */
  public Optional<String> exactValue(String field) {
    for (Term t : terms) {
      if (t.equal() && t.field().equals(field)) {
        return Optional.of(t.value());
      }
    }
    return Optional.empty();
  }

  /**
   * Checks that every field used is one the resource supports.
   *
   * @throws SelectorException {@code field label not supported: <field>} for the first field
   *     that is not in {@code allowed}
   */
  public FieldSelector validate(Set<String> allowed) {
    for (Term t : terms) {
      if (!allowed.contains(t.field())) {
        throw new SelectorException("field label not supported: " + t.field());
      }
    }
    return this;
  }

  /** The terms, sorted. */
  public List<Term> terms() {
    return terms;
  }

  /** Whether this selector has no terms. */
  public boolean isEverything() {
    return terms.isEmpty();
  }

  /** Canonical text: terms joined with {@code ,}, values escaped. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Term t : terms) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(t);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldSelector other && other.terms.equals(terms);
  }

  @Override
  public int hashCode() {
    return terms.hashCode();
  }
}
