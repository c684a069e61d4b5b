package io.jk.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What is specific to one kind of resource; the generic REST handler does the rest.
 *
 * <p>Objects are handled as Jackson trees in their wire form ({@code apiVersion}, {@code kind},
 * {@code metadata}, ...). The handler calls, for a create: {@link #prepareForCreate},
 * {@link #applyDefaults}, {@link #validate}; for an update of the main resource:
 * {@link #prepareForUpdate}, {@link #applyDefaults}, {@link #validateUpdate}; for an update of
 * the {@code status} subresource: {@link #prepareForStatusUpdate}, then {@link #validateUpdate}.
 * Methods mutate the object in place and never throw for bad input: problems are returned as
 * {@link FieldError}s, which the handler turns into a {@code 422 Invalid} Status.
 */
public interface ResourceStrategy {

  /**
   * Clears what a client may not set on create (e.g. {@code status} for resources with a status
   * subresource) and sets initial server-owned fields (e.g. a pod's {@code status.phase=Pending}).
   */
  void prepareForCreate(ObjectNode obj);

  /**
   * Keeps what an update of the main resource may not change: for resources with a status
   * subresource the old {@code status} is copied over the new one. Also bumps
   * {@code metadata.generation} when {@code spec} changed.
   */
  void prepareForUpdate(ObjectNode obj, ObjectNode old);

  /** For an update through {@code /status}: everything but {@code status} is taken from {@code old}. */
  void prepareForStatusUpdate(ObjectNode obj, ObjectNode old);

  /** Fills in defaults as Kubernetes' defaulting functions do (e.g. {@code restartPolicy: Always}). */
  void applyDefaults(ObjectNode obj);

  /** Errors of a new object; empty when valid. */
  List<FieldError> validate(ObjectNode obj);

  /** Errors of an update from {@code old} to {@code obj} (immutable fields included); empty when valid. */
  List<FieldError> validateUpdate(ObjectNode obj, ObjectNode old);

  /**
   * The values field selectors can match for this object, e.g. {@code metadata.name},
   * {@code metadata.namespace}, {@code spec.nodeName}, {@code status.phase}.
   */
  Map<String, String> selectableFields(ObjectNode obj);

  /** The columns of this resource's server-side Table (as the real apiserver prints them). */
  List<TableColumn> tableColumns();

  /** The cells of one Table row, in {@link #tableColumns()} order; {@code now} is for ages. */
  List<Object> tableCells(ObjectNode obj, Instant now);
}
