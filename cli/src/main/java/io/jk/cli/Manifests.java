package io.jk.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Manifests from {@code -f FILE|DIR|-} ({@code -R} descends into directories): multi-document
 * YAML, JSON, and {@code List} kinds expanded into their items. A bad document is reported with
 * its file, document number and field.
 */
public final class Manifests {

  private Manifests() {}

  /**
   * One object read from a manifest.
   *
   * @param object the object
   * @param source where it came from, e.g. {@code app.yaml} (used in messages)
   * @param document the 1-based document number in its file
   */
  public record Manifest(ObjectNode object, String source, int document) {}

  /**
   * Reads every manifest named by {@code -f} arguments, relative names taken relative to
   * {@code cwd} (the command's working directory). Messages name files as the user did.
   */
  public static List<Manifest> read(List<String> files, boolean recursive, InputStream stdin, Path cwd) {
    if (files == null || files.isEmpty()) {
      throw new CliException("must specify one of -f and -k");
    }
    List<Manifest> out = new ArrayList<>();
    for (String f : files) {
      if (f.equals("-")) {
        try {
          parse(new String(stdin.readAllBytes(), StandardCharsets.UTF_8), "STDIN", out);
        } catch (IOException e) {
          throw new CliException("cannot read standard input: " + e.getMessage());
        }
        continue;
      }
      Path named = Path.of(f);
      Path p = cwd.resolve(named);
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = recursive ? Files.walk(p) : Files.list(p)) {
          for (Path file : s.filter(Files::isRegularFile).filter(Manifests::isManifest).sorted().toList()) {
            String shown = named.resolve(p.relativize(file)).toString();
            parse(readFile(file, shown), shown, out);
          }
        } catch (IOException e) {
          throw new CliException("cannot read directory " + named + ": " + e.getMessage());
        }
      } else if (Files.exists(p)) {
        parse(readFile(p, named.toString()), named.toString(), out);
      } else {
        throw new CliException("the path \"" + f + "\" does not exist");
      }
    }
    return out;
  }

  private static boolean isManifest(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  private static String readFile(Path p, String shown) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new CliException("cannot read " + shown + ": " + e.getMessage());
    }
  }

  /** Parses one file's text. */
  static void parse(String text, String source, List<Manifest> out) {
    int doc = 0;
    try (MappingIterator<JsonNode> it = Json.yamlMapper().readerFor(JsonNode.class).readValues(text)) {
      while (true) {
        doc++;
        JsonNode n;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          n = it.nextValue();
        } catch (RuntimeException | JsonProcessingException e) {
          String msg = e.getCause() instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
          if (e instanceof JsonProcessingException j) {
            msg = j.getOriginalMessage();
          }
          throw new CliException("error parsing " + source + " (document " + doc + "): " + firstLine(msg));
        }
        if (n == null || n.isNull() || n.isMissingNode() || (n.isObject() && n.isEmpty())) {
          continue;
        }
        add(n, source, doc, out);
      }
    } catch (IOException e) {
      throw new CliException("error parsing " + source + ": " + firstLine(e.getMessage()));
    }
  }

  private static void add(JsonNode n, String source, int doc, List<Manifest> out) {
    if (!n.isObject()) {
      throw new CliException("error validating \"" + source + "\" (document " + doc
          + "): the document is not an object");
    }
    require(n, "apiVersion", source, doc);
    require(n, "kind", source, doc);
    if (n.get("kind").asText().endsWith("List") && n.has("items")) {
      if (!n.get("items").isArray()) {
        throw new CliException("error validating \"" + source + "\" (document " + doc + "): field \"items\" must "
            + "be a list");
      }
      for (JsonNode i : n.get("items")) {
        add(i, source, doc, out);
      }
      return;
    }
    JsonNode meta = n.path("metadata");
    if (!meta.isObject()) {
      throw new CliException("error validating \"" + source + "\" (document " + doc
          + "): field \"metadata\" is missing or not an object");
    }
    if (!meta.path("name").isTextual() && !meta.path("generateName").isTextual()) {
      throw new CliException("error validating \"" + source + "\" (document " + doc
          + "): field \"metadata.name\" is required");
    }
    out.add(new Manifest((ObjectNode) n, source, doc));
  }

  private static void require(JsonNode n, String field, String source, int doc) {
    if (!n.path(field).isTextual() || n.get(field).asText().isBlank()) {
      throw new CliException("error validating \"" + source + "\" (document " + doc + "): field \"" + field
          + "\" is " + (n.has(field) ? "not a non-empty string" : "missing"));
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid document";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
