package io.jk.controllers.pods;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;

/** Owner-reference helpers: controller references are matched by name and uid. */
public final class Owners {

  private Owners() {}

  /** A controller owner reference to {@code owner} ({@code controller: true, blockOwnerDeletion: true}). */
  public static OwnerReference controllerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** {@code obj}'s controller reference, or {@code null}. */
  public static OwnerReference controllerOf(HasMetadata obj) {
    List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
  }

  /** Whether {@code obj} is controlled by {@code owner} (same uid). */
  public static boolean isControlledBy(HasMetadata obj, HasMetadata owner) {
    OwnerReference r = controllerOf(obj);
    return r != null && owner.getMetadata().getUid() != null && owner.getMetadata().getUid().equals(r.getUid());
  }

  /** {@code refs} with {@code ref} added (a copy). */
  public static List<OwnerReference> with(List<OwnerReference> refs, OwnerReference ref) {
    List<OwnerReference> out = refs == null ? new ArrayList<>() : new ArrayList<>(refs);
    out.add(ref);
    return out;
  }

  /** {@code refs} without references to {@code uid} (a copy). */
  public static List<OwnerReference> without(List<OwnerReference> refs, String uid) {
    List<OwnerReference> out = new ArrayList<>();
    if (refs != null) {
      for (OwnerReference r : refs) {
        if (!uid.equals(r.getUid())) {
          out.add(r);
        }
      }
    }
    return out;
  }
}
