/**
 * Pure helpers of the strategies: null-safe tree access ({@link io.jk.apiserver.resources.support.Nodes}),
 * Kubernetes' name and key syntax ({@link io.jk.apiserver.resources.support.Names}), quantities,
 * IP literals, cron schedules and {@code HumanDuration} ages.
 */
package io.jk.apiserver.resources.support;
