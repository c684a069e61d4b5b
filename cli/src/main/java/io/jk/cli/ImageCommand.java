package io.jk.cli;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl image load FILE [--node N]}: an image archive to a node's kubelet image import. */
@Command(name = "image", description = "Manage images on the nodes.", subcommands = ImageCommand.Load.class)
final class ImageCommand implements Runnable {

  @Override
  public void run() {
    throw new CliException("a subcommand is required: load");
  }

  /** {@code image load}. */
  @Command(name = "load", description = "Load an image archive (OCI layout or docker-archive tar) onto nodes.")
  static final class Load extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--node", description = "Only this node (default: every node).")
    String node;

    @Override
    void run() throws Exception {
      if (!Files.isRegularFile(file)) {
        throw new CliException("the path \"" + file + "\" does not exist");
      }
      java.util.List<String> nodes = new java.util.ArrayList<>();
      if (node != null) {
        nodes.add(node);
      } else {
        api().get("/api/v1/nodes").path("items").forEach(n -> nodes.add(n.path("metadata").path("name").asText()));
      }
      if (nodes.isEmpty()) {
        throw new CliException("no nodes to load the image onto");
      }
      for (String n : nodes) {
        HttpRequest.Builder b = HttpRequest.newBuilder(api().uri("/api/v1/nodes/" + Paths.segment(n)
            + "/proxy/images/import")).header("Content-Type", "application/x-tar")
            .POST(HttpRequest.BodyPublishers.ofFile(file));
        if (api().authorization() != null) {
          b.header("Authorization", api().authorization());
        }
        HttpResponse<String> r = api().http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404 || r.statusCode() == 405 || r.statusCode() == 501) {
          throw new CliException("node " + n + " does not offer image import through the API server's node proxy "
              + "(HTTP " + r.statusCode() + "); use 'jk image import FILE' on the node");
        }
        new ApiClient.Response(r.statusCode(), r.body(), "").check();
        out().println("image " + file.getFileName() + " loaded on node/" + n);
      }
    }
  }
}
