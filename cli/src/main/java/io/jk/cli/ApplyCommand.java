package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.common.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jkctl apply}: client-side apply as kubectl does it (the
 * {@code kubectl.kubernetes.io/last-applied-configuration} annotation and a three-way strategic
 * merge patch against it), or server-side apply with {@code --server-side}.
 */
@Command(name = "apply", description = "Apply a configuration to resources from files or stdin.")
final class ApplyCommand extends Base {

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  @Option(names = {"-f", "--filename"}, required = true, description = "File, directory or - for stdin.")
  List<String> files;

  @Option(names = {"-R", "--recursive"}, description = "Process directories recursively.")
  boolean recursive;

  @Option(names = "--server-side", description = "Apply on the server (server-side apply).")
  boolean serverSide;

  @Option(names = "--force-conflicts", description = "With --server-side: take over fields other managers own.")
  boolean forceConflicts;

  @Option(names = "--field-manager", description = "The field manager name.")
  String fieldManager;

  @Option(names = {"-o", "--output"}, description = "name: print only kind/name.")
  String output = "";

  @Override
  void run() throws Exception {
    List<Manifests.Manifest> manifests = Manifests.read(files, recursive, root().in, root().cwd);
    Session s = session();
    List<CliException> failures = new ArrayList<>();
    for (Manifests.Manifest m : manifests) {
      try {
        ObjectRef ref = ObjectRef.of(m.object(), s);
        String result = serverSide ? serverSideApply(ref, m) : clientSideApply(ref, m);
        out().println(output.equals("name") ? ref.display() : ref.display() + " " + result);
        out().flush();
      } catch (CliException e) {
        failures.add(e);
      }
    }
    for (CliException e : failures) {
      err().println(e.userMessage());
    }
    if (!failures.isEmpty()) {
      throw CliException.silent();
    }
  }

  private String clientSideApply(ObjectRef ref, Manifests.Manifest m) throws IOException {
    ObjectNode modified = withLastApplied(m.object(), ref.namespace());
    String manager = "&fieldManager=" + Paths.query(fieldManager == null ? "kubectl-client-side-apply" : fieldManager);
    ApiClient.Response live = api().send("GET", ref.path(), null, null, "application/json");
    if (live.status() == 404) {
      try {
        api().json("POST", ref.collectionPath() + "?fieldValidation=Strict" + manager, "application/json", modified);
      } catch (ApiException e) {
        throw e.withPrefix("error when creating \"" + m.source() + "\": ");
      }
      return "created";
    }
    JsonNode current = live.check().json();
    JsonNode original = null;
    String last = current.path("metadata").path("annotations").path(LAST_APPLIED).asText("");
    if (!last.isEmpty()) {
      original = Json.mapper().readTree(last);
    }
    PatchSchema schema = PatchSchema.forKind(ref.type().group(), ref.type().kind());
    ObjectNode patch = ThreeWayPatch.create(original, modified, current, schema);
    if (patch.isEmpty()) {
      return "unchanged";
    }
    String type = schema.isNone() ? "application/merge-patch+json" : "application/strategic-merge-patch+json";
    try {
      api().json("PATCH", ref.path() + "?fieldValidation=Strict" + manager, type, patch);
    } catch (ApiException e) {
      throw e.withPrefix("error when patching \"" + m.source() + "\": ");
    }
    return "configured";
  }

  private String serverSideApply(ObjectRef ref, Manifests.Manifest m) {
    String q = "?fieldManager=" + Paths.query(fieldManager == null ? "kubectl" : fieldManager)
        + "&fieldValidation=Strict" + (forceConflicts ? "&force=true" : "");
    try {
      api().json("PATCH", ref.path() + q, "application/apply-patch+yaml", m.object());
    } catch (ApiException e) {
      throw e.withPrefix("error when applying \"" + m.source() + "\": ");
    }
    return "serverside-applied";
  }

  /** The manifest with the annotation holding its own JSON (keys sorted, as kubectl writes it). */
  static ObjectNode withLastApplied(ObjectNode manifest, String namespace) throws IOException {
    ObjectNode clean = manifest.deepCopy();
    ObjectNode cleanMeta = (ObjectNode) clean.get("metadata");
    // as kubectl writes it: the object's namespace filled in, and an annotations map (maybe empty)
    if (namespace != null) {
      cleanMeta.put("namespace", namespace);
    }
    JsonNode ann = cleanMeta.path("annotations");
    if (ann.isObject()) {
      ((ObjectNode) ann).remove(LAST_APPLIED);
    } else {
      cleanMeta.putObject("annotations");
    }
    String text = Json.mapper().writeValueAsString(Printing.sorted(clean)) + "\n";
    ObjectNode out = manifest.deepCopy();
    if (namespace != null) {
      ((ObjectNode) out.get("metadata")).put("namespace", namespace);
    }
    ObjectNode meta = (ObjectNode) out.get("metadata");
    JsonNode a = meta.get("annotations");
    ObjectNode annotations = a != null && a.isObject() ? (ObjectNode) a : meta.putObject("annotations");
    annotations.put(LAST_APPLIED, text);
    return out;
  }
}
