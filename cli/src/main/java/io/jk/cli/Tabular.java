package io.jk.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Column alignment as kubectl's tabwriter does it (minimum width 6, padding 3): every column
 * but the last is padded to its widest cell plus three spaces.
 */
public final class Tabular {

  private Tabular() {}

  /** Column widths (cell text plus padding) for {@code rows}. */
  public static int[] widths(List<List<String>> rows) {
    int cols = 0;
    for (List<String> r : rows) {
      cols = Math.max(cols, r.size());
    }
    int[] w = new int[cols];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size() - 1; i++) {
        w[i] = Math.max(w[i], Math.max(6, r.get(i).length() + 3));
      }
    }
    return w;
  }

  /** One aligned line (with newline). */
  public static String line(List<String> row, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < row.size(); i++) {
      String cell = row.get(i);
      b.append(cell);
      if (i < row.size() - 1) {
        int w = Math.max(i < widths.length ? widths[i] : 0, Math.max(6, cell.length() + 3));
        b.append(" ".repeat(w - cell.length()));
      }
    }
    return b.toString().stripTrailing() + "\n";
  }

  /** All rows aligned. */
  public static String format(List<List<String>> rows) {
    int[] w = widths(rows);
    StringBuilder b = new StringBuilder();
    for (List<String> r : rows) {
      b.append(line(r, w));
    }
    return b.toString();
  }

  /** Upper-case headers, as kubectl prints them. */
  public static List<String> upper(List<String> names) {
    List<String> l = new ArrayList<>();
    names.forEach(n -> l.add(n.toUpperCase(java.util.Locale.ROOT)));
    return l;
  }
}
