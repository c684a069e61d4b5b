package io.jk.kubelet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** One run of the real kubectl against a test API server: its exit code, stdout and stderr. */
public record KubectlRun(int code, String out, String err) {

  /** Starts {@code kubectl --kubeconfig K -n NS args...}. */
  public static Process start(Path kubeconfig, String namespace, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "-n", namespace));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  /**
   * Runs kubectl with its stdin fed from {@code stdin} (then closed; null: closed at once) and waits up to
   * {@code timeout} for it to end; an AssertionError with what it printed when it does not.
   */
  public static KubectlRun run(Path kubeconfig, String namespace, String stdin, Duration timeout, String... args)
      throws IOException, InterruptedException {
    Process p = start(kubeconfig, namespace, args);
    Supplier<String> out = collect(p.getInputStream());
    Supplier<String> err = collect(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish; out=" + out.get() + " err=" + err.get());
    }
    return new KubectlRun(p.exitValue(), out.get(), err.get());
  }

  /** Reads {@code s} to its end on a thread of its own; the supplier waits (up to 10 s) for that end. */
  public static Supplier<String> collect(InputStream s) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Thread t = new Thread(() -> {
      try {
        s.transferTo(buf);
      } catch (IOException e) {
        // process ended
      }
    });
    t.start();
    return () -> {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (buf) {
        return buf.toString(StandardCharsets.UTF_8);
      }
    };
  }
}
