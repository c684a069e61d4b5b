package io.jk.controllers.pods;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * What a failed write tells a controller about its expectations.
 *
 * <p>A create that timed out may still be applied by the API server after the client gave up
 * (fabric8 stops waiting after its request timeout, 10 s by default; a loaded server finishes the
 * write later). Lowering the expectation for it would let the next sync, before the informer shows
 * the late pod, create a replacement: one pod too many. As Kubernetes' Job controller does for a
 * timeout, the expectation is kept: the pod's add event lowers it, or it expires (5 minutes).
 * Every other failure (conflict, invalid, forbidden, refused connection) did not create anything.
 */
public final class WriteOutcome {
  private WriteOutcome() {}

  /** Whether the write that failed with {@code e} may still take effect on the server. */
  public static boolean mayStillApply(KubernetesClientException e) {
    if (e.getCode() == 504 || (e.getStatus() != null && "Timeout".equals(e.getStatus().getReason()))) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException
          || t instanceof java.io.InterruptedIOException) {
        return true;
      }
      String name = t.getClass().getSimpleName();
      if (name.contains("Timeout")) {
        return true; // e.g. Vert.x's NoStackTraceTimeoutException
      }
    }
    return false;
  }
}
