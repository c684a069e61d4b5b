package io.jk.apiserver.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Lexer and recursive-descent parser of the label selector query syntax, following the grammar
 * and the error messages of Kubernetes' {@code labels.Parse}.
 */
final class LabelSelectorParser {

  private enum Tok {
    ERROR, EOS, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN, IDENTIFIER,
    IN, LESS_THAN, NOT_EQUALS, NOT_IN, OPEN_PAR
  }

  private record Item(Tok tok, String literal) {}

  private final List<Item> items = new ArrayList<>();
  private int pos;

  LabelSelectorParser(String text) {
    lex(text);
  }

  // ---- lexer

  private static boolean isSpecial(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static Tok special(String s) {
    switch (s) {
      case ")": return Tok.CLOSED_PAR;
      case ",": return Tok.COMMA;
      case "!": return Tok.DOES_NOT_EXIST;
      case "==": return Tok.DOUBLE_EQUALS;
      case "=": return Tok.EQUALS;
      case ">": return Tok.GREATER_THAN;
      case "<": return Tok.LESS_THAN;
      case "!=": return Tok.NOT_EQUALS;
      case "(": return Tok.OPEN_PAR;
      default: return null;
    }
  }

  private void lex(String s) {
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i >= n) {
        items.add(new Item(Tok.EOS, ""));
        return;
      }
      char c = s.charAt(i);
      if (isSpecial(c)) {
        // longest run of special characters that is still a token
        Tok last = null;
        int lastEnd = i;
        int j = i;
        while (j < n && isSpecial(s.charAt(j))) {
          Tok t = special(s.substring(i, j + 1));
          if (t != null) {
            last = t;
            lastEnd = j + 1;
          } else if (last != null) {
            break;
          }
          j++;
        }
        if (last == null) {
          items.add(new Item(Tok.ERROR,
              "error expected: keyword found '" + s.substring(i, j) + "'"));
          items.add(new Item(Tok.EOS, ""));
          return;
        }
        items.add(new Item(last, s.substring(i, lastEnd)));
        i = lastEnd;
      } else {
        int j = i;
        while (j < n && !isWhitespace(s.charAt(j)) && !isSpecial(s.charAt(j))) {
          j++;
        }
        String word = s.substring(i, j);
        Tok t = word.equals("in") ? Tok.IN : word.equals("notin") ? Tok.NOT_IN : Tok.IDENTIFIER;
        items.add(new Item(t, word));
        i = j;
      }
    }
  }

  // ---- parser

  /** In value context the keywords {@code in}/{@code notin} are plain identifiers. */
  private Item lookahead(boolean values) {
    Item it = items.get(Math.min(pos, items.size() - 1));
    return values ? asValue(it) : it;
  }

  private Item consume(boolean values) {
    Item it = items.get(Math.min(pos, items.size() - 1));
    pos++;
    return values ? asValue(it) : it;
  }

  private static Item asValue(Item it) {
    return it.tok() == Tok.IN || it.tok() == Tok.NOT_IN ? new Item(Tok.IDENTIFIER, it.literal()) : it;
  }

  List<LabelSelector.Requirement> parse() {
    List<LabelSelector.Requirement> reqs = new ArrayList<>();
    while (true) {
      Item it = lookahead(true);
      switch (it.tok()) {
        case IDENTIFIER:
        case DOES_NOT_EXIST:
          try {
            reqs.add(parseRequirement());
          } catch (SelectorException e) {
            throw new SelectorException("unable to parse requirement: " + e.getMessage());
          }
          Item next = lookahead(true);
          switch (next.tok()) {
            case EOS:
              return reqs;
            case COMMA:
              consume(true);
              Item after = lookahead(true);
              if (after.tok() != Tok.IDENTIFIER && after.tok() != Tok.DOES_NOT_EXIST) {
                throw new SelectorException(
                    "found '" + after.literal() + "', expected: identifier after ','");
              }
              break;
            default:
              throw new SelectorException(
                  "found '" + next.literal() + "', expected: ',' or 'end of string'");
          }
          break;
        case EOS:
          return reqs;
        default:
          throw new SelectorException(
              "found '" + it.literal() + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

  private LabelSelector.Requirement parseRequirement() {
    LabelSelector.Operator op = null;
    Item it = consume(true);
    if (it.tok() == Tok.DOES_NOT_EXIST) {
      op = LabelSelector.Operator.DOES_NOT_EXIST;
      it = consume(true);
    }
    if (it.tok() != Tok.IDENTIFIER) {
      throw new SelectorException("found '" + it.literal() + "', expected: identifier");
    }
    String key = it.literal();
    String keyErr = LabelValidation.keyError(key);
    if (keyErr != null) {
      throw new SelectorException("<nil>: Invalid value: \"" + key + "\": " + keyErr);
    }
    Tok next = lookahead(true).tok();
    if (next == Tok.EOS || next == Tok.COMMA) {
      if (op == null) {
        op = LabelSelector.Operator.EXISTS;
      }
    }
    if (op == LabelSelector.Operator.EXISTS || op == LabelSelector.Operator.DOES_NOT_EXIST) {
      return new LabelSelector.Requirement(key, op, List.of());
    }
    op = parseOperator();
    List<String> values;
    switch (op) {
      case IN:
      case NOT_IN:
        values = parseValues();
        break;
      default:
        values = parseExactValue();
        break;
    }
    return new LabelSelector.Requirement(key, op, values);
  }

  private LabelSelector.Operator parseOperator() {
    Item it = consume(false);
    switch (it.tok()) {
      case IN: return LabelSelector.Operator.IN;
      case EQUALS: return LabelSelector.Operator.EQUALS;
      case DOUBLE_EQUALS: return LabelSelector.Operator.DOUBLE_EQUALS;
      case GREATER_THAN: return LabelSelector.Operator.GREATER_THAN;
      case LESS_THAN: return LabelSelector.Operator.LESS_THAN;
      case NOT_IN: return LabelSelector.Operator.NOT_IN;
      case NOT_EQUALS: return LabelSelector.Operator.NOT_EQUALS;
      default:
        throw new SelectorException("found '" + it.literal()
            + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }

  private List<String> parseValues() {
    Item it = consume(true);
    if (it.tok() != Tok.OPEN_PAR) {
      throw new SelectorException("found '" + it.literal() + "' expected: '('");
    }
    Item next = lookahead(true);
    switch (next.tok()) {
      case IDENTIFIER:
      case COMMA:
        List<String> values = parseIdentifiersList();
        Item close = consume(true);
        if (close.tok() != Tok.CLOSED_PAR) {
          throw new SelectorException("found '" + close.literal() + "', expected: ')'");
        }
        return values;
      case CLOSED_PAR:
        consume(true);
        return List.of("");
      default:
        throw new SelectorException(
            "found '" + next.literal() + "', expected: ',', ')' or identifier");
    }
  }

  private List<String> parseIdentifiersList() {
    TreeSet<String> values = new TreeSet<>();
    while (true) {
      Item it = consume(true);
      switch (it.tok()) {
        case IDENTIFIER:
          values.add(it.literal());
          Item next = lookahead(true);
          if (next.tok() == Tok.COMMA) {
            continue;
          }
          if (next.tok() == Tok.CLOSED_PAR) {
            return new ArrayList<>(values);
          }
          throw new SelectorException("found '" + next.literal() + "', expected: ',' or ')'");
        case COMMA:
          if (values.isEmpty()) {
            values.add(""); // "(,"
          }
          Item after = lookahead(true);
          if (after.tok() == Tok.CLOSED_PAR) {
            values.add(""); // ",)"
            return new ArrayList<>(values);
          }
          if (after.tok() == Tok.COMMA) {
            consume(true);
            values.add(""); // ",,"
          }
          break;
        default:
          throw new SelectorException("found '" + it.literal() + "', expected: ',', or identifier");
      }
    }
  }

  private List<String> parseExactValue() {
    Tok next = lookahead(true).tok();
    if (next == Tok.EOS || next == Tok.COMMA) {
      return List.of("");
    }
    Item it = consume(true);
    if (it.tok() == Tok.IDENTIFIER) {
      return List.of(it.literal());
    }
    throw new SelectorException("found '" + it.literal() + "', expected: identifier");
  }
}
