/**
 * Label and field selectors with Kubernetes' syntax, semantics, canonical text and error
 * messages.
 *
 * <p>Use from a REST handler's list/watch:
 * <pre>{@code
 * LabelSelector labels = LabelSelector.parse(query.get("labelSelector"));
 * FieldSelector fields = FieldSelector.parse(query.get("fieldSelector"))
 *     .validate(allowedFieldsOfThisResource);          // "field label not supported: foo"
 * Optional<String> name = fields.exactValue("metadata.name"); // serve by a direct get
 * boolean selected = labels.matchesObject(obj) && fields.matches(strategy.selectableFields(obj));
 * }</pre>
 * Both throw {@link io.jk.apiserver.selection.SelectorException}, answered as 400 BadRequest with
 * its message. Controllers use {@link io.jk.apiserver.selection.LabelSelector#fromObject} for a
 * {@code spec.selector} (null matches nothing, {@code {}} everything).
 */
package io.jk.apiserver.selection;
