package io.jk.apiserver.selection;

import io.jk.apiserver.resources.support.Names;
import java.util.List;

/**
 * Kubernetes' syntax rules for label keys (qualified names) and label values, as selectors report
 * them: the problems {@link Names} finds, joined by "; " as Kubernetes' selector parser does.
 */
final class LabelValidation {

  private LabelValidation() {}

  /** Problems with a label key, or null when it is a valid qualified name. */
  static String keyError(String key) {
    return joined(Names.qualifiedName(key));
  }

  /** Problems with a label value, or null when valid. */
  static String valueError(String value) {
    return joined(Names.labelValue(value));
  }

  private static String joined(List<String> errors) {
    return errors.isEmpty() ? null : String.join("; ", errors);
  }
}
