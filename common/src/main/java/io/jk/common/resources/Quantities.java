package io.jk.common.resources;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Parses Kubernetes resource quantities ({@code 100m}, {@code 1.5}, {@code 128Mi}, {@code 1G},
 * {@code 2e3}) into longs, without allocating for the common forms.
 *
 * <p>{@link #milli} gives thousandths of a unit (cpu), {@link #value} whole units (bytes, pods);
 * both round up as Kubernetes' {@code MilliValue()}/{@code Value()} do, so a pod never asks for
 * less than it wrote. Values beyond a long saturate at {@link Long#MAX_VALUE}.
 */
public final class Quantities {

  private Quantities() {}

  /** Thousandths of the quantity's unit, rounded up: {@code "100m"} → 100, {@code "1.5"} → 1500. */
  public static long milli(String quantity) {
    return scaled(quantity, 3);
  }

  /** Whole units, rounded up: {@code "128Mi"} → 134217728, {@code "1G"} → 1000000000. */
  public static long value(String quantity) {
    return scaled(quantity, 0);
  }

  /** {@link #milli(String)} of a fabric8 quantity; 0 for null. */
  public static long milli(Quantity quantity) {
    return quantity == null ? 0 : milli(text(quantity));
  }

  /** {@link #value(String)} of a fabric8 quantity; 0 for null. */
  public static long value(Quantity quantity) {
    return quantity == null ? 0 : value(text(quantity));
  }

  private static String text(Quantity q) {
    String amount = q.getAmount() == null ? "" : q.getAmount();
    String format = q.getFormat() == null ? "" : q.getFormat();
    return amount + format;
  }

  /**
   * The quantity times 10^decimals, rounded up. A fast path handles digits, an optional
   * fraction and a suffix in long arithmetic; anything else goes through BigDecimal.
   */
  private static long scaled(String s, int decimals) {
    if (s == null) {
      throw new IllegalArgumentException("quantity must not be null");
    }
    String q = s.trim();
    if (q.isEmpty()) {
      throw invalid(s);
    }
    int i = 0;
    int n = q.length();
    boolean negative = false;
    if (q.charAt(0) == '+' || q.charAt(0) == '-') {
      negative = q.charAt(0) == '-';
      i++;
    }
    int numberStart = i;
    while (i < n && (Character.isDigit(q.charAt(i)) || q.charAt(i) == '.')) {
      i++;
    }
    int numberEnd = i;
    if (numberEnd == numberStart || q.substring(numberStart, numberEnd).equals(".")) {
      throw invalid(s);
    }
    String suffix = q.substring(i);
    int exp10 = 0;
    int exp2 = 0;
    switch (suffix) {
      case "" -> { }
      case "n" -> exp10 = -9;
      case "u" -> exp10 = -6;
      case "m" -> exp10 = -3;
      case "k" -> exp10 = 3;
      case "M" -> exp10 = 6;
      case "G" -> exp10 = 9;
      case "T" -> exp10 = 12;
      case "P" -> exp10 = 15;
      case "E" -> exp10 = 18;
      case "Ki" -> exp2 = 10;
      case "Mi" -> exp2 = 20;
      case "Gi" -> exp2 = 30;
      case "Ti" -> exp2 = 40;
      case "Pi" -> exp2 = 50;
      case "Ei" -> exp2 = 60;
      default -> {
        if (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E') {
          try {
            exp10 = Integer.parseInt(suffix.substring(1));
          } catch (NumberFormatException e) {
            throw invalid(s);
          }
          if (Math.abs(exp10) > 100) {
            throw invalid(s);
          }
        } else {
          throw invalid(s);
        }
      }
    }
    String number = q.substring(numberStart, numberEnd);
    if (number.indexOf('.') != number.lastIndexOf('.')) {
      throw invalid(s);
    }
    long fast = fastPath(number, exp10 + decimals, exp2);
    long result;
    if (fast >= 0) {
      result = fast;
    } else {
      BigDecimal v = new BigDecimal(number).scaleByPowerOfTen(exp10 + decimals);
      if (exp2 > 0) {
        v = v.multiply(BigDecimal.valueOf(2).pow(exp2));
      }
      BigDecimal rounded = v.setScale(0, RoundingMode.CEILING);
      result = rounded.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0
          ? Long.MAX_VALUE : rounded.longValueExact();
    }
    return negative ? -result : result;
  }

  /** Long-only evaluation; -1 when it would overflow or needs rounding beyond the fast path. */
  private static long fastPath(String number, int exp10, int exp2) {
    int dot = number.indexOf('.');
    String digits = dot < 0 ? number : number.substring(0, dot) + number.substring(dot + 1);
    int fractionDigits = dot < 0 ? 0 : number.length() - dot - 1;
    if (digits.length() > 17) {
      return -1;
    }
    long mantissa = digits.isEmpty() ? 0 : Long.parseLong(digits);
    int e = exp10 - fractionDigits;
    if (exp2 > 0) {
      if (e < 0 || e > 18 || exp2 >= 63 || Long.numberOfLeadingZeros(mantissa) <= exp2 + 1) {
        return -1;
      }
      mantissa <<= exp2;
    }
    if (e >= 0) {
      for (int k = 0; k < e; k++) {
        if (mantissa > Long.MAX_VALUE / 10) {
          return -1;
        }
        mantissa *= 10;
      }
      return mantissa;
    }
    if (e < -18) {
      return mantissa == 0 ? 0 : -1;
    }
    long divisor = 1;
    for (int k = 0; k < -e; k++) {
      divisor *= 10;
    }
    return mantissa / divisor + (mantissa % divisor == 0 ? 0 : 1);
  }

  private static IllegalArgumentException invalid(String s) {
    return new IllegalArgumentException(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': " + s);
  }
}
