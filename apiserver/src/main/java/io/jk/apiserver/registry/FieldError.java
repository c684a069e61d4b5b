package io.jk.apiserver.registry;

/**
 * One validation error, shaped as a Kubernetes {@code StatusCause}.
 *
 * @param type the cause reason, e.g. {@code FieldValueInvalid}, {@code FieldValueRequired},
 *     {@code FieldValueDuplicate}, {@code FieldValueNotSupported}, {@code FieldValueForbidden}
 * @param field the field path as Kubernetes prints it, e.g. {@code spec.template.spec.containers[0].name}
 * @param message the full message, e.g. {@code Invalid value: -1: must be greater than or equal to 0}
 */
public record FieldError(String type, String field, String message) {

  public static FieldError invalid(String field, Object value, String detail) {
    return new FieldError("FieldValueInvalid", field, "Invalid value: " + render(value) + ": " + detail);
  }

  public static FieldError required(String field, String detail) {
    return new FieldError("FieldValueRequired", field, "Required value" + (detail.isEmpty() ? "" : ": " + detail));
  }

  public static FieldError duplicate(String field, Object value) {
    return new FieldError("FieldValueDuplicate", field, "Duplicate value: " + render(value));
  }

  public static FieldError notSupported(String field, Object value, java.util.Collection<String> supported) {
    StringBuilder b = new StringBuilder("Unsupported value: ").append(render(value)).append(": supported values: ");
    int i = 0;
    for (String s : supported) {
      b.append(i++ == 0 ? "" : ", ").append('"').append(s).append('"');
    }
    return new FieldError("FieldValueNotSupported", field, b.toString());
  }

  public static FieldError forbidden(String field, String detail) {
    return new FieldError("FieldValueForbidden", field, "Forbidden: " + detail);
  }

  private static String render(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }
}
