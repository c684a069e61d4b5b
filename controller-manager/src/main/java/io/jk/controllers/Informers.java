package io.jk.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One shared informer per resource type for all controllers (list+watch across namespaces).
 * Informers are created unstarted so controllers can add handlers and indexers first; {@link
 * #startAll} starts them.
 */
public final class Informers {

  private final KubernetesClient client;
  private final Map<Class<?>, SharedIndexInformer<?>> informers = new LinkedHashMap<>();
  private boolean started;

  /** Informers over {@code client}. */
  public Informers(KubernetesClient client) {
    this.client = client;
  }

  /** The shared informer for {@code type}, created on first use. */
  @SuppressWarnings("unchecked")
  public synchronized <T extends HasMetadata> SharedIndexInformer<T> of(Class<T> type) {
    return (SharedIndexInformer<T>) informers.computeIfAbsent(type, t -> {
      SharedIndexInformer<T> inf = client.resources(type).inAnyNamespace().runnableInformer(0);
      if (started) {
        inf.start();
      }
      return inf;
    });
  }

  /** Starts every informer; the future completes when all have synced their initial list. */
  public synchronized CompletableFuture<Void> startAll() {
    started = true;
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (SharedIndexInformer<?> inf : informers.values()) {
      if (!inf.isRunning()) {
        all.add(inf.start().toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Stops every informer. */
  public synchronized void stopAll() {
    informers.values().forEach(SharedIndexInformer::stop);
  }
}
