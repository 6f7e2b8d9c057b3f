-- Provenance cannot be edited (docs/operations.md "Integrity"): datasets, subjects, slices,
-- evaluations and their checkpoint links, and training epochs refuse UPDATE like the result
-- tables; a Run changes only in the columns a running job moves (status, progress, stage, ETA,
-- start and finish times, error, job id, backend), its dataset once (set when its import stores
-- it), and a STUDY run's repeat count upwards (`startStudy` with more repeats). Deletion rules
-- stay as they were: these rows can only go while nothing references them (foreign keys RESTRICT).
-- Audit events record the id of the key their link was made with (CARDIAC_UQ_AUDIT_KEY).

ALTER TABLE "AuditEvent" ADD COLUMN "keyId" TEXT;

CREATE OR REPLACE FUNCTION cardiac_uq_reject_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'provenance is immutable: UPDATE on "%" is not allowed (write a new row instead)', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation', HINT = 'cardiac-uq stores corrections as new rows';
END;
$$;

CREATE TRIGGER "Dataset_provenance" BEFORE UPDATE ON "Dataset" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "Subject_provenance" BEFORE UPDATE ON "Subject" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "Slice_provenance" BEFORE UPDATE ON "Slice" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "Evaluation_provenance" BEFORE UPDATE ON "Evaluation" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "EvaluationCheckpoint_provenance" BEFORE UPDATE ON "EvaluationCheckpoint" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();
CREATE TRIGGER "TrainingEpoch_provenance" BEFORE UPDATE ON "TrainingEpoch" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_reject_update();

CREATE OR REPLACE FUNCTION cardiac_uq_guard_run_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  lifecycle CONSTANT text[] := ARRAY['status', 'progress', 'stage', 'etaSeconds', 'startedAt', 'finishedAt', 'error', 'jobId', 'backend'];
  before jsonb := to_jsonb(OLD) - lifecycle;
  after jsonb := to_jsonb(NEW) - lifecycle;
  changed text;
BEGIN
  IF OLD."datasetId" IS NULL THEN
    before := before - 'datasetId';
    after := after - 'datasetId';
  END IF;
  IF OLD.kind = 'STUDY'
     AND (NEW.config - 'repeats') = (OLD.config - 'repeats')
     AND jsonb_typeof(NEW.config -> 'repeats') = 'number'
     AND (NEW.config ->> 'repeats')::numeric >= coalesce((OLD.config ->> 'repeats')::numeric, 0) THEN
    before := before - 'config';
    after := after - 'config';
  END IF;
  IF after IS DISTINCT FROM before THEN
    SELECT string_agg(format('"%s"', key), ', ' ORDER BY key) INTO changed
      FROM jsonb_each(after) AS n(key, value) WHERE n.value IS DISTINCT FROM before -> n.key;
    RAISE EXCEPTION 'provenance is immutable: UPDATE of % on "Run" is not allowed (only status, progress, stage, etaSeconds, startedAt, finishedAt, error, jobId and backend change)', changed
      USING ERRCODE = 'integrity_constraint_violation', HINT = 'cardiac-uq stores corrections as new rows';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Run_provenance" BEFORE UPDATE ON "Run" FOR EACH ROW EXECUTE FUNCTION cardiac_uq_guard_run_update();
