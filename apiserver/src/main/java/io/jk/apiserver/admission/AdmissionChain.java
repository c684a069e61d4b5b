package io.jk.apiserver.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.rest.RestHandler;
import io.vertx.core.Future;
import java.util.List;

/**
 * Several {@link RestHandler.WriteHooks} run in order as one: the first to fail stops the write,
 * and the ones that already ran release what they took for it. {@link #admitCreate} runs each
 * hook's in turn, the next after the previous one's future succeeded.
 */
public final class AdmissionChain implements RestHandler.WriteHooks {

  private final List<RestHandler.WriteHooks> hooks;

  private AdmissionChain(List<RestHandler.WriteHooks> hooks) {
    this.hooks = List.copyOf(hooks);
  }

  /** The chain of {@code hooks}, run in the order given (admission checks first, allocators last). */
  public static AdmissionChain of(RestHandler.WriteHooks... hooks) {
    return new AdmissionChain(List.of(hooks));
  }

  @Override
  public Future<Void> admitCreate(ResourceType type, ObjectNode obj) {
    Future<Void> done = Future.succeededFuture();
    for (RestHandler.WriteHooks h : hooks) {
      done = done.compose(v -> h.admitCreate(type, obj));
    }
    return done;
  }

  @Override
  public void beforeCreate(ResourceType type, ObjectNode obj) {
    for (int i = 0; i < hooks.size(); i++) {
      try {
        hooks.get(i).beforeCreate(type, obj);
      } catch (RuntimeException e) {
        for (int j = 0; j < i; j++) {
          hooks.get(j).released(type, obj);
        }
        throw e;
      }
    }
  }

  @Override
  public void beforeDryRunCreate(ResourceType type, ObjectNode obj) {
    for (RestHandler.WriteHooks h : hooks) {
      h.beforeDryRunCreate(type, obj);
    }
  }

  @Override
  public void beforeUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
    for (RestHandler.WriteHooks h : hooks) {
      h.beforeUpdate(type, obj, old);
    }
  }

  @Override
  public void beforeDryRunUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
    for (RestHandler.WriteHooks h : hooks) {
      h.beforeDryRunUpdate(type, obj, old);
    }
  }

  @Override
  public void released(ResourceType type, ObjectNode obj) {
    for (RestHandler.WriteHooks h : hooks) {
      h.released(type, obj);
    }
  }
}
