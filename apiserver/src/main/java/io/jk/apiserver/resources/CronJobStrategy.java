package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.CronSchedule;
import io.jk.apiserver.resources.support.HumanDuration;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/** batch/v1 CronJob: defaults (Allow, history limits 3/1), schedule and template validation, Table. */
public class CronJobStrategy extends BaseStrategy {

  private static final List<String> POLICIES = List.of("Allow", "Forbid", "Replace");
  private static final List<String> RESTART_POLICIES = List.of("OnFailure", "Never");
  /** Longest CronJob name: job names get an 11-character suffix and must stay labels. */
  public static final int MAX_NAME = 52;

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
      Tables.col("Timezone", "string", "The time zone name for the given schedule."),
      new TableColumn("Suspend", "boolean", "", "This flag tells the controller to suspend subsequent executions.", 0),
      Tables.col("Active", "integer", "A list of pointers to currently running jobs."),
      Tables.col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."),
      Tables.wide("Selector", "string", "A label query over pods that should match the pod count."));

  /** A cron job strategy. */
  public CronJobStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    Nodes.defaultText(spec, "concurrencyPolicy", "Allow");
    Nodes.defaultBool(spec, "suspend", false);
    Nodes.defaultInt(spec, "successfulJobsHistoryLimit", 3);
    Nodes.defaultInt(spec, "failedJobsHistoryLimit", 1);
    ObjectNode jobSpec = Nodes.ensureObject(Nodes.ensureObject(spec, "jobTemplate"), "spec");
    PodSpecs.defaultTemplate(Nodes.ensureObject(jobSpec, "template"));
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    String name = Nodes.name(obj);
    if (name.length() > MAX_NAME) {
      errs.add(FieldError.invalid("metadata.name", name, "must be no more than " + MAX_NAME + " characters"));
    }
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    String schedule = Nodes.text(spec, "schedule");
    if (schedule == null || schedule.isEmpty()) {
      errs.add(FieldError.required("spec.schedule", ""));
    } else if (schedule.contains("TZ=") || schedule.contains("CRON_TZ=")) {
      errs.add(FieldError.invalid("spec.schedule", schedule,
          "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
    } else {
      String problem = CronSchedule.problem(schedule);
      if (problem != null) {
        errs.add(FieldError.invalid("spec.schedule", schedule, problem));
      }
    }
    String tz = Nodes.text(spec, "timeZone");
    if (tz != null) {
      try {
        ZoneId.of(tz);
      } catch (RuntimeException e) {
        errs.add(FieldError.invalid("spec.timeZone", tz, "unknown time zone " + tz));
      }
    }
    String policy = Nodes.str(spec, "concurrencyPolicy");
    if (!POLICIES.contains(policy)) {
      errs.add(FieldError.notSupported("spec.concurrencyPolicy", policy, POLICIES));
    }
    for (String f : List.of("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")) {
      Workloads.nonNegative(spec, f, "spec." + f, errs);
    }
    ObjectNode jobSpec = Nodes.object(spec, "jobTemplate", "spec");
    if (jobSpec == null) {
      errs.add(FieldError.required("spec.jobTemplate.spec", ""));
      return;
    }
    PodSpecs.validateTemplate(jobSpec.get("template"), "spec.jobTemplate.spec.template", errs);
    String rp = Nodes.str(Nodes.object(jobSpec, "template", "spec"), "restartPolicy");
    if (!RESTART_POLICIES.contains(rp)) {
      errs.add(FieldError.notSupported("spec.jobTemplate.spec.template.spec.restartPolicy", rp, RESTART_POLICIES));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode status = Nodes.object(obj, "status");
    ObjectNode jobSpec = Nodes.object(spec, "jobTemplate", "spec");
    ObjectNode podSpec = Nodes.object(jobSpec, "template", "spec");
    String suspend = !Nodes.has(spec, "suspend") ? "<unset>" : Nodes.isTrue(spec, "suspend") ? "True" : "False";
    String last = Nodes.has(status, "lastScheduleTime")
        ? HumanDuration.since(Nodes.text(status, "lastScheduleTime"), now) : "<none>";
    return List.of(Nodes.name(obj), Nodes.str(spec, "schedule"), Tables.orNone(Nodes.text(spec, "timeZone")), suspend,
        (long) Nodes.size(status, "active"), last, Tables.age(obj, now), Tables.containerNames(podSpec),
        Tables.containerImages(podSpec), Tables.formatLabelSelector(jobSpec == null ? null : jobSpec.get("selector")));
  }
}
