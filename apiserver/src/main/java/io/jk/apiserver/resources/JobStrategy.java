package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.HumanDuration;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * batch/v1 Job: the generated selector and {@code controller-uid}/{@code job-name} labels on
 * create, defaults (completions, parallelism, backoffLimit 6, completionMode, ...), validation
 * with the immutable selector and template, Table with the STATUS column.
 */
public class JobStrategy extends BaseStrategy {

  /** Label with the job's uid, the generated selector. */
  public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
  /** Label with the job's name. */
  public static final String JOB_NAME = "batch.kubernetes.io/job-name";
  private static final String LEGACY_CONTROLLER_UID = "controller-uid";
  private static final String LEGACY_JOB_NAME = "job-name";

  private static final List<String> RESTART_POLICIES = List.of("OnFailure", "Never");
  private static final List<String> COMPLETION_MODES = List.of("NonIndexed", "Indexed");

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Status", "string", "Status of the job."),
      Tables.col("Completions", "string", "The number of pods which reached phase Succeeded."),
      Tables.col("Duration", "string", "Time required to complete the job."),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."),
      Tables.wide("Selector", "string", "A label query over pods that should match the pod count."));

  /** A job strategy. */
  public JobStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void onCreate(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    if (Nodes.isTrue(spec, "manualSelector")) {
      return;
    }
    String uid = Nodes.str(Nodes.object(obj, "metadata"), "uid");
    if (uid.isEmpty()) {
      return;
    }
    String name = Nodes.name(obj);
    ObjectNode labels = Nodes.ensureObject(Nodes.ensureObject(Nodes.ensureObject(spec, "template"), "metadata"), "labels");
    labels.put(CONTROLLER_UID, uid);
    labels.put(LEGACY_CONTROLLER_UID, uid);
    if (!name.isEmpty() && Names.labelValue(name).isEmpty()) {
      labels.put(JOB_NAME, name);
      labels.put(LEGACY_JOB_NAME, name);
    }
    ObjectNode selector = Nodes.ensureObject(spec, "selector");
    Nodes.ensureObject(selector, "matchLabels").put(CONTROLLER_UID, uid);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    defaultJobSpec(spec);
  }

  /** Job spec defaults, as {@code SetDefaults_Job}. */
  static void defaultJobSpec(ObjectNode spec) {
    boolean hasCompletions = Nodes.has(spec, "completions");
    boolean hasParallelism = Nodes.has(spec, "parallelism");
    if (!hasCompletions && !hasParallelism) {
      spec.put("completions", 1);
      spec.put("parallelism", 1);
    } else if (!hasParallelism) {
      spec.put("parallelism", 1);
    }
    if (Nodes.has(spec, "backoffLimitPerIndex")) {
      Nodes.defaultInt(spec, "backoffLimit", Integer.MAX_VALUE);
    } else {
      Nodes.defaultInt(spec, "backoffLimit", 6);
    }
    Nodes.defaultText(spec, "completionMode", "NonIndexed");
    Nodes.defaultBool(spec, "suspend", false);
    Nodes.defaultText(spec, "podReplacementPolicy", Nodes.has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
    Nodes.defaultBool(spec, "manualSelector", false);
    PodSpecs.defaultTemplate(Nodes.ensureObject(spec, "template"));
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    for (String f : List.of("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished")) {
      Workloads.nonNegative(spec, f, "spec." + f, errs);
    }
    Long deadline = Nodes.integer(spec, "activeDeadlineSeconds");
    if (deadline != null && deadline <= 0) {
      errs.add(FieldError.invalid("spec.activeDeadlineSeconds", deadline, "must be greater than 0"));
    }
    String mode = Nodes.str(spec, "completionMode");
    if (!COMPLETION_MODES.contains(mode)) {
      errs.add(FieldError.notSupported("spec.completionMode", mode, COMPLETION_MODES));
    } else if (mode.equals("Indexed") && !Nodes.has(spec, "completions")) {
      errs.add(FieldError.required("spec.completions", "when completion mode is Indexed"));
    }
    Selectors.validateWorkloadSelector(spec, "job", errs);
    if (!Nodes.isTrue(spec, "manualSelector")) {
      String uid = Nodes.str(Nodes.object(obj, "metadata"), "uid");
      String selUid = Nodes.stringMap(Nodes.object(spec, "selector"), "matchLabels").get(CONTROLLER_UID);
      if (!uid.isEmpty() && Nodes.has(spec, "selector") && !uid.equals(selUid)) {
        errs.add(FieldError.invalid("spec.selector", Selectors.render(spec.get("selector")), "`selector` not auto-generated"));
      }
    }
    PodSpecs.validateTemplate(spec.get("template"), "spec.template", errs);
    String rp = Nodes.str(Nodes.object(spec, "template", "spec"), "restartPolicy");
    if (!RESTART_POLICIES.contains(rp)) {
      errs.add(FieldError.notSupported("spec.template.spec.restartPolicy", rp, RESTART_POLICIES));
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    Workloads.immutableSelector(obj, old, errs);
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode oldSpec = Nodes.object(old, "spec");
    if (spec == null || oldSpec == null) {
      return;
    }
    // Kubernetes lets the template of a suspended job that never started change (scheduling directives).
    boolean suspendedNeverStarted = Nodes.isTrue(oldSpec, "suspend")
        && !Nodes.has(Nodes.object(old, "status"), "startTime");
    if (!suspendedNeverStarted && !Nodes.same(spec.get("template"), oldSpec.get("template"))) {
      errs.add(FieldError.invalid("spec.template", new Selectors.Raw("core.PodTemplateSpec{...}"), "field is immutable"));
    }
    if (!Nodes.same(spec.get("completionMode"), oldSpec.get("completionMode"))) {
      errs.add(FieldError.invalid("spec.completionMode", Nodes.str(spec, "completionMode"), "field is immutable"));
    }
    boolean elastic = "Indexed".equals(Nodes.text(spec, "completionMode"))
        && Nodes.same(spec.get("completions"), spec.get("parallelism"));
    if (!elastic && !Nodes.same(spec.get("completions"), oldSpec.get("completions"))) {
      errs.add(FieldError.invalid("spec.completions", Nodes.integer(spec, "completions", 0), "field is immutable"));
    }
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    fields.put("status.successful", Long.toString(Tables.intOf(Nodes.object(obj, "status"), "succeeded")));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode status = Nodes.object(obj, "status");
    long succeeded = Tables.intOf(status, "succeeded");
    String completions;
    Long c = Nodes.integer(spec, "completions");
    if (c != null) {
      completions = succeeded + "/" + c;
    } else {
      long parallelism = Nodes.integer(spec, "parallelism", 0);
      completions = parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
    }
    Instant start = HumanDuration.parseTime(Nodes.text(status, "startTime"));
    Instant done = HumanDuration.parseTime(Nodes.text(status, "completionTime"));
    String duration = "";
    if (start != null) {
      duration = HumanDuration.format(Duration.between(start, done == null ? now : done));
    }
    String state;
    if (hasCondition(status, "Complete")) {
      state = "Complete";
    } else if (hasCondition(status, "Failed")) {
      state = "Failed";
    } else if (Nodes.has(Nodes.object(obj, "metadata"), "deletionTimestamp")) {
      state = "Terminating";
    } else if (hasCondition(status, "SuccessCriteriaMet")) {
      state = "SuccessCriteriaMet";
    } else if (hasCondition(status, "Suspended")) {
      state = "Suspended";
    } else if (hasCondition(status, "FailureTarget")) {
      state = "FailureTarget";
    } else {
      state = "Running";
    }
    ObjectNode podSpec = Nodes.object(spec, "template", "spec");
    return List.of(Nodes.name(obj), state, completions, duration, Tables.age(obj, now), Tables.containerNames(podSpec),
        Tables.containerImages(podSpec), Tables.formatLabelSelector(spec == null ? null : spec.get("selector")));
  }

  private static boolean hasCondition(ObjectNode status, String type) {
    for (ObjectNode c : Nodes.objects(status, "conditions")) {
      if (Nodes.str(c, "type").equals(type) && Nodes.str(c, "status").equals("True")) {
        return true;
      }
    }
    return false;
  }
}
