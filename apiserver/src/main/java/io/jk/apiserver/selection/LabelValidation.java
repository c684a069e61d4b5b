package io.jk.apiserver.selection;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kubernetes' syntax rules for label keys (qualified names) and label values, with the messages
 * of its {@code IsQualifiedName}/{@code IsValidLabelValue} (several problems joined by "; ").
 */
final class LabelValidation {
  private static final String NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final Pattern NAME = Pattern.compile(NAME_FMT);
  private static final Pattern VALUE = Pattern.compile("(" + NAME_FMT + ")?");
  private static final String DNS1123_FMT =
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_FMT);
  private static final String NAME_REGEX_ERROR = "must consist of alphanumeric characters, '-',"
      + " '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', "
      + " or 'my.name',  or '123-abc', regex used for validation is '" + NAME_FMT + "')";

  private LabelValidation() {}

  /** Problems with a label key, or null when it is a valid qualified name. */
  static String keyError(String key) {
    List<String> errs = new ArrayList<>();
    String[] parts = key.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errs.add("prefix part must be non-empty");
      } else {
        if (prefix.length() > 253) {
          errs.add("prefix part must be no more than 253 characters");
        }
        if (!DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
          errs.add("prefix part a lowercase RFC 1123 subdomain must consist of lower case"
              + " alphanumeric characters, '-' or '.', and must start and end with an"
              + " alphanumeric character (e.g. 'example.com', regex used for validation is '"
              + DNS1123_FMT + "')");
        }
      }
    } else {
      return "a qualified name " + NAME_REGEX_ERROR
          + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    }
    if (name.isEmpty()) {
      errs.add("name part must be non-empty");
    } else if (name.length() > 63) {
      errs.add("name part must be no more than 63 characters");
    }
    if (!NAME.matcher(name).matches()) {
      errs.add("name part " + NAME_REGEX_ERROR);
    }
    return errs.isEmpty() ? null : String.join("; ", errs);
  }

  /** Problems with a label value, or null when valid. */
  static String valueError(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > 63) {
      errs.add("must be no more than 63 characters");
    }
    if (!VALUE.matcher(value).matches()) {
      errs.add("a valid label must be an empty string or consist of alphanumeric characters, '-',"
          + " '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', "
          + " or 'my_value',  or '12345', regex used for validation is '(" + NAME_FMT + ")?')");
    }
    return errs.isEmpty() ? null : String.join("; ", errs);
  }
}
