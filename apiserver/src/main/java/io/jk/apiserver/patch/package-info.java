/**
 * The PATCH formats of the Kubernetes API as pure functions on Jackson trees.
 *
 * <p>Use from a REST handler:
 * <pre>{@code
 * PatchType type = PatchType.fromContentType(request.getHeader("Content-Type")); // null: 415
 * PatchSchema schema = PatchSchema.forKind(group, kind);
 * try {
 *   if (type == PatchType.APPLY) {
 *     ServerSideApply.Result r = ServerSideApply.apply(liveOrNull, body, fieldManager, force,
 *         schema, Instant.now());
 *     if (!r.ok()) { ... 409 Conflict, message r.conflictMessage(), causes from r.conflicts() }
 *     patched = r.object();
 *   } else {
 *     patched = type.apply(live, body, schema);
 *     patched = ServerSideApply.recordUpdate(live, patched, fieldManager, null, schema, now);
 *   }
 * } catch (PatchException e) {
 *   ... Status with code e.statusCode() (400 BadRequest or 422 Invalid) and e.getMessage()
 * }
 * }</pre>
 * A repeated apply that changes nothing returns an object equal to the live one (same
 * {@code managedFields} times), so a handler may compare and skip the write.
 *
 * <p>Nothing here mutates its inputs, blocks, or throws anything but {@link
 * io.jk.apiserver.patch.PatchException} for bad input.
 */
package io.jk.apiserver.patch;
