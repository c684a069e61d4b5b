/**
 * Per-kind rules of the API server: one {@link io.jk.apiserver.registry.ResourceStrategy} per
 * kind, found with {@link io.jk.apiserver.resources.Strategies#forKind}.
 *
 * <p>{@link io.jk.apiserver.resources.BaseStrategy} holds what every kind shares (metadata
 * validation, {@code metadata.generation}, the status subresource, name/namespace field
 * selectors, the default Table); each kind's class adds its defaults (as Kubernetes'
 * {@code SetDefaults_*} functions and the admission plugins that fill pods: Priority,
 * DefaultTolerationSeconds, ServiceAccount name), validation (Kubernetes' field paths and
 * messages, so {@code kubectl} prints the same errors), update rules, field selectors and
 * Table cells (as {@code kubectl get} prints them). Pod specs and templates share
 * {@link io.jk.apiserver.resources.PodSpecs}.
 *
 * <p>{@link io.jk.apiserver.resources.UnknownFields} serves {@code fieldValidation=Strict/Warn}.
 *
 * <p>All methods work on Jackson trees in wire form, accept any malformed input without throwing,
 * do no I/O, and keep no state, so they are safe on the event loop.
 */
package io.jk.apiserver.resources;
