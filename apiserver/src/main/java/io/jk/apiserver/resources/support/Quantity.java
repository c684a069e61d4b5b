package io.jk.apiserver.resources.support;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * A strict parser of Kubernetes resource quantities ({@code 100m}, {@code 1.5Gi}, {@code 2e3}),
 * following apimachinery's grammar:
 *
 * <pre>
 * quantity ::= signedNumber suffix
 * number   ::= digits | digits.digits | digits. | .digits
 * suffix   ::= Ki | Mi | Gi | Ti | Pi | Ei | m | "" | k | M | G | T | P | E | (e|E) signedNumber
 * </pre>
 */
public final class Quantity {

  /** The message Kubernetes gives for a string that is not a quantity. */
  public static final String FORMAT_ERROR =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

  private Quantity() {}

  /** The value of {@code s}, or empty when it is not a valid quantity. */
  public static Optional<BigDecimal> parse(String s) {
    if (s == null || s.isEmpty() || s.length() > 64) {
      return Optional.empty();
    }
    int i = 0;
    int n = s.length();
    boolean negative = false;
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      negative = s.charAt(0) == '-';
      i++;
    }
    int numStart = i;
    int digitsBefore = 0;
    while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
      i++;
      digitsBefore++;
    }
    int digitsAfter = 0;
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digitsAfter++;
      }
    }
    if (digitsBefore + digitsAfter == 0) {
      return Optional.empty();
    }
    String numText = s.substring(numStart, i);
    if (numText.endsWith(".")) {
      numText = numText.substring(0, numText.length() - 1);
    }
    if (numText.startsWith(".")) {
      numText = "0" + numText;
    }
    BigDecimal number = new BigDecimal(numText);
    String suffix = s.substring(i);
    BigDecimal value;
    switch (suffix) {
      case "" -> value = number;
      case "m" -> value = number.scaleByPowerOfTen(-3);
      case "k" -> value = number.scaleByPowerOfTen(3);
      case "M" -> value = number.scaleByPowerOfTen(6);
      case "G" -> value = number.scaleByPowerOfTen(9);
      case "T" -> value = number.scaleByPowerOfTen(12);
      case "P" -> value = number.scaleByPowerOfTen(15);
      case "E" -> value = number.scaleByPowerOfTen(18);
      case "Ki" -> value = number.multiply(BigDecimal.valueOf(1L << 10));
      case "Mi" -> value = number.multiply(BigDecimal.valueOf(1L << 20));
      case "Gi" -> value = number.multiply(BigDecimal.valueOf(1L << 30));
      case "Ti" -> value = number.multiply(BigDecimal.valueOf(1L << 40));
      case "Pi" -> value = number.multiply(BigDecimal.valueOf(1L << 50));
      case "Ei" -> value = number.multiply(BigDecimal.valueOf(1L << 60));
      default -> {
        if (suffix.charAt(0) != 'e' && suffix.charAt(0) != 'E') {
          return Optional.empty();
        }
        String exp = suffix.substring(1);
        int j = 0;
        if (!exp.isEmpty() && (exp.charAt(0) == '+' || exp.charAt(0) == '-')) {
          j++;
        }
        if (j >= exp.length() || exp.length() > 6) {
          return Optional.empty();
        }
        for (int k = j; k < exp.length(); k++) {
          if (!isDigit(exp.charAt(k))) {
            return Optional.empty();
          }
        }
        int e = Integer.parseInt(exp);
        if (Math.abs(e) > 100) {
          return Optional.empty();
        }
        value = number.scaleByPowerOfTen(e);
      }
    }
    return Optional.of(negative ? value.negate() : value);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The value of a JSON quantity: a string per {@link #parse} or a plain JSON number. */
  public static Optional<BigDecimal> parse(com.fasterxml.jackson.databind.JsonNode n) {
    if (n == null) {
      return Optional.empty();
    }
    if (n.isNumber()) {
      return Optional.of(n.decimalValue());
    }
    return n.isTextual() ? parse(n.textValue()) : Optional.empty();
  }
}
