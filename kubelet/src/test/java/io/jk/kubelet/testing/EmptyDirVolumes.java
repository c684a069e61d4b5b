package io.jk.kubelet.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.jk.kubelet.volume.VolumeManager;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A test stand-in for the volume manager: emptyDir only, as directories under ROOT/pods/UID/volumes. */
public final class EmptyDirVolumes implements VolumeManager {
  private final Path root;

  public EmptyDirVolumes(Path rootDir) {
    this.root = rootDir;
  }

  public Path dir(String uid, String name) {
    return root.resolve("pods").resolve(uid).resolve("volumes").resolve(name);
  }

  @Override
  public Future<Map<String, Path>> setUp(Pod pod) {
    Map<String, Path> out = new LinkedHashMap<>();
    try {
      if (pod.getSpec().getVolumes() != null) {
        for (Volume v : pod.getSpec().getVolumes()) {
          if (v.getEmptyDir() == null) {
            return Future.failedFuture("volume " + v.getName() + ": only emptyDir is supported in tests");
          }
          out.put(v.getName(), Files.createDirectories(dir(pod.getMetadata().getUid(), v.getName())));
        }
      }
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Void> refresh(Pod pod) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> tearDown(String podUid) {
    Commands.run("rm", "-rf", "--one-file-system", root.resolve("pods").resolve(podUid).resolve("volumes").toString());
    return Future.succeededFuture();
  }
}
