package io.jk.apiserver.registry;

/**
 * A column of a server-side Table ({@code meta.k8s.io/v1} {@code TableColumnDefinition}).
 *
 * @param name header, e.g. {@code Name}, {@code Ready}
 * @param type {@code string}, {@code integer}, {@code date}, ...
 * @param format {@code name} for the name column, otherwise usually empty
 * @param description what the column shows
 * @param priority 0 for default columns, 1 for those shown only by {@code -o wide}
 */
public record TableColumn(String name, String type, String format, String description, int priority) {}
